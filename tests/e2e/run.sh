#!/bin/sh
# run.sh [TEST...] - end-to-end tests: every tests/e2e/test_*.sh (or the
# named ones, e.g. test_grade_io) drives the grader binary ($GRADER) like
# a user would and exits 0 when it passes. The tests run it through
# keep-reports.sh, which keeps a copy of every report in a format with a
# schema; the last test, reports_valid, validates them all
# (tests/validate_reports.py) and, in a full run, fails unless each of
# json, junit, gradescope and exercism was produced and validated. Ends
# with "e2e: N passed, M failed".
set -u
: "${GRADER:?GRADER must name the grader binary}"
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
GRADER_REAL=$GRADER
GRADER_REPORT_SINK=$(mktemp -d)
trap 'rm -rf "$GRADER_REPORT_SINK"' EXIT
GRADER=$here/keep-reports.sh
export GRADER GRADER_REAL GRADER_REPORT_SINK ROOT
passed=0
failed=0

# result NAME CMD...: runs CMD as the test NAME and counts it.
result() {
	name=$1
	shift
	log=$(mktemp)
	if GRADER_E2E_TEST=$name "$@" >"$log" 2>&1; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		sed 's/^/    /' "$log" | tail -n 30
		failed=$((failed + 1))
	fi
	rm -f "$log"
}

require=json,junit,gradescope,exercism
if [ "$#" -gt 0 ]; then
	require="" # a subset need not produce every format
	tests=""
	for n in "$@"; do tests="$tests $here/${n%.sh}.sh"; done
else
	tests=$(ls "$here"/test_*.sh)
fi
for t in $tests; do
	[ -f "$t" ] || { echo "not ok - $(basename "$t" .sh): no such test"; failed=$((failed + 1)); continue; }
	result "$(basename "$t" .sh)" bash "$t"
done
# every kept report against its format's schema, one process for them all
log=$(mktemp)
if /usr/bin/python3 "$ROOT/tests/validate_reports.py" --require "$require" "$GRADER_REPORT_SINK" >"$log" 2>&1; then
	echo "ok - reports_valid"
	sed 's/^/    /' "$log"
	passed=$((passed + 1))
else
	echo "not ok - reports_valid"
	sed 's/^/    /' "$log" | tail -n 60
	failed=$((failed + 1))
fi
rm -f "$log"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
