#!/bin/sh
# run.sh - end-to-end tests: every tests/e2e/test_*.sh drives the grader
# binary ($GRADER) like a user would and exits 0 when it passes. Ends with
# "e2e: N passed, M failed".
set -u
: "${GRADER:?GRADER must name the grader binary}"
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
export GRADER ROOT
passed=0
failed=0
for t in "$here"/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	log=$(mktemp)
	if bash "$t" >"$log" 2>&1; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		sed 's/^/    /' "$log" | tail -n 30
		failed=$((failed + 1))
	fi
	rm -f "$log"
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
