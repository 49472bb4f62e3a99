#!/bin/sh
# run.sh - runs each libFuzzer target in $BUILD/fuzz for FUZZ_SECONDS,
# starting from its seed corpus in tests/fuzz/corpus/NAME (copied, so new
# inputs do not land in the repository). A crash fails the run; its input
# is kept in $BUILD/fuzz/crash-*. Ends with "fuzz: N passed, M failed".
set -u
: "${BUILD:?BUILD must name the fuzz build dir}"
here=$(cd "$(dirname "$0")" && pwd)
secs=${FUZZ_SECONDS:-30}
passed=0
failed=0
for f in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f" | sed 's/^fuzz_//')
	work=$(mktemp -d)
	if [ -d "$here/corpus/$name" ]; then
		cp -R "$here/corpus/$name/." "$work/"
	fi
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$BUILD/fuzz/crash-$name-" "$work" >"$work.log" 2>&1; then
		runs=$(grep -Eo 'Done [0-9]+ runs' "$work.log" | tail -n 1)
		echo "ok - fuzz_$name (${runs:-ran} in ${secs}s)"
		passed=$((passed + 1))
	else
		echo "not ok - fuzz_$name"
		tail -n 40 "$work.log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	rm -rf "$work" "$work.log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
