#!/bin/sh
# run-unit.sh - runs every Check unit-test binary in $BUILD/tests and sums
# their results. Ends with "unit: N passed, M failed".
set -u
: "${BUILD:?BUILD must name the build dir}"
passed=0
failed=0
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^Running suite' | grep -E '^[0-9]+%:|:[EF]:' || true
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $(basename "$t") printed no Check summary (exit $rc)"
		printf '%s\n' "$out" | tail -n 20
		failed=$((failed + 1))
		continue
	fi
	checks=$(printf '%s' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	fails=$(printf '%s' "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	errs=$(printf '%s' "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	bad=$((fails + errs))
	passed=$((passed + checks - bad))
	failed=$((failed + bad))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "not ok - $(basename "$t") exited $rc"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
