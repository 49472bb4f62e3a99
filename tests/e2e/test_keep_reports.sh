# The harness that validates every report the end-to-end tests write:
# keep-reports.sh (what run.sh makes $GRADER) passes exit codes, stdin,
# stdout and stderr through unchanged and keeps each report once, however
# it was written (stdout to a file, appended, to a pipe, --output); and
# validate_reports.py fails on a report that breaks its format's schema,
# naming the file and the test, and when a required format is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
make_fixture "$T"
C="$T/course"
keep="$ROOT/tests/e2e/keep-reports.sh"
real=${GRADER_REAL:-$GRADER}
S="$T/sink"
mkdir -p "$S"
wrapped() {
	GRADER_REAL=$real GRADER_REPORT_SINK=$S GRADER_E2E_TEST=keep_check "$keep" "$@"
}
count() {
	find "$S" -name "*.$1" | wc -l | tr -d ' '
}

# The same exit codes, stdout and stderr as the real binary.
expect_status 1 "$real" grade --course "$C" --format junit "$T/learner-bad"
cp "$T/out" "$T/real.out"
expect_status 1 wrapped grade --course "$C" --format junit "$T/learner-bad"
# (times differ from run to run)
untimed() { sed 's/time="[0-9.]*"//g' "$1"; }
[ "$(untimed "$T/out")" = "$(untimed "$T/real.out")" ] || fail "the wrapper changed stdout"
[ "$(count junit)" = 1 ] || fail "the junit report on stdout was not kept once"
expect_status 2 wrapped grade --course "$C" --format jsn "$T/learner-bad"
cp "$T/err" "$T/wrapped.err"
expect_status 2 "$real" grade --course "$C" --format jsn "$T/learner-bad"
cmp -s "$T/err" "$T/wrapped.err" || fail "the wrapper changed stderr"
[ "$(find "$S" -name '*.jsn' | wc -l)" = 0 ] || fail "a usage error's output was kept"
expect_status 0 wrapped grade --course "$C" "$T/learner-good"
[ "$(count json)" = 1 ] || fail "the default json report was not kept"

# Appended to a file: only what this run wrote is kept.
echo "before" >"$T/appended"
wrapped grade --course "$C" --format exercism "$T/learner-good" >>"$T/appended" 2>/dev/null ||
	fail "exercism grade failed"
head -n 1 "$T/appended" | grep -qx before || fail "the wrapper lost what the file held"
k=$(find "$S" -name '*.exercism')
[ "$(count exercism)" = 1 ] || fail "the appended exercism report was not kept"
head -c 1 "$k" | grep -q '{' || fail "the kept report holds more than this run's output"

# Through a pipe, with the exit status of the grader, not of tee.
set +e
wrapped grade --course "$C" --format gradescope "$T/learner-bad" 2>/dev/null | cat >"$T/piped"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 1 ] || fail "through a pipe the exit status is $rc, not the grader's 1"
/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/piped" || fail "the piped report is not JSON"
[ "$(count gradescope)" = 1 ] || fail "the piped gradescope report was not kept"

# --output FILE, and stdin for `grader report -`.
expect_status 1 wrapped grade --course "$C" --output "$T/o.json" "$T/learner-bad"
[ "$(count json)" = 2 ] || fail "the --output report was not kept"
expect_status 1 wrapped report --format junit - <"$T/o.json"
contains "$T/out" "<testsuites"
[ "$(count junit)" = 2 ] || fail "the report command's junit was not kept"
# text and markdown have no schema; --help is not a report
expect_status 1 wrapped report --format text "$T/o.json"
expect_status 0 wrapped grade --help
[ "$(find "$S" -name '*.text' | wc -l)" = 0 ] || fail "a text report was kept"
contains "$(find "$S" -name '*.junit.cmd' | head -n 1)" "test keep_check: grader"

# What was kept validates, and each format is there.
expect_status 0 /usr/bin/python3 "$ROOT/tests/validate_reports.py" \
	--require json,junit,gradescope,exercism "$S"
contains "$T/out" "junit: 2 reports validated, 0 invalid"

# A report that breaks its schema fails, naming the file and its test.
B="$T/bad"
mkdir -p "$B"
sed 's/"status":[[:space:]]*"pass"/"status": "passed"/' "$k" >"$B/x.exercism"
echo "test test_something: grader grade ..." >"$B/x.exercism.cmd"
sed 's/<testsuites /<testsuites bogus="1" /' "$(find "$S" -name '*.junit' | head -n 1)" >"$B/y.junit"
expect_status 1 /usr/bin/python3 "$ROOT/tests/validate_reports.py" "$B"
contains "$T/err" "$B/x.exercism: from test test_something"
contains "$T/err" "status: 'passed' is not one of"
contains "$T/err" "$B/y.junit: xmllint:"
contains "$T/err" "bogus"
# ... and a format nothing produced fails a run that requires it.
rm -f "$B"/*
cp "$k" "$B/z.exercism"
expect_status 1 /usr/bin/python3 "$ROOT/tests/validate_reports.py" --require exercism,junit "$B"
contains "$T/err" "no junit report was produced"
