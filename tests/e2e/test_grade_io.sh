# Grading an io exercise end to end: exit codes, every format, the schema,
# diffs, hidden-check redaction and dependencies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
make_fixture "$T"
C="$T/course"

expect_status 0 "$GRADER" lint "$C"
expect_status 0 "$GRADER" grade --course "$C" "$T/learner-good"
cp "$T/out" "$T/good.json"
valid_report "$T/good.json"
json_is "$T/good.json" "r['status']" passed
json_is "$T/good.json" "r['score']" 10
json_is "$T/good.json" "r['max_score']" 10
json_is "$T/good.json" "[c['status'] for c in r['exercises'][0]['checks']]" "['passed', 'passed', 'passed']"

# The bad learner strips trailing spaces and tabs: the hidden check fails.
expect_status 1 "$GRADER" grade --course "$C" --output "$T/bad.json" "$T/learner-bad"
valid_report "$T/bad.json"
json_is "$T/bad.json" "r['status']" failed
json_is "$T/bad.json" "r['score']" 5
hidden="[c for c in r['exercises'][0]['checks'] if c['name']=='secret input'][0]"
json_is "$T/bad.json" "$hidden['status']" failed
json_is "$T/bad.json" "'diff' in $hidden" False
lacks "$T/bad.json" "TAB"

# An instructor sees the hidden check's diff, with the tab made visible.
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/inst.json" "$T/learner-bad"
valid_report "$T/inst.json"
json_is "$T/inst.json" "'diff' in $hidden" True
contains "$T/inst.json" "TAB"

# Text for people: marks, a score line, no secrets for learners.
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/learner-bad"
contains "$T/out" "one line"
contains "$T/out" "10"
lacks "$T/out" "TAB"
lacks "$T/out" "$(printf '\033')"

# JUnit parses as XML and has one testcase per check.
expect_status 1 "$GRADER" grade --course "$C" --format junit "$T/learner-bad"
python3 -c 'import sys, xml.etree.ElementTree as E; t=E.parse(sys.argv[1]); n=len(t.getroot().findall(".//testcase")); assert n==3, n' "$T/out" || fail "junit"
for f in markdown gradescope exercism; do
	expect_status 1 "$GRADER" grade --course "$C" --format "$f" "$T/learner-bad"
	[ -s "$T/out" ] || fail "$f output empty"
done
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" || fail "exercism is not JSON"
# Gradescope: no test's output starts with a blank line, passed ones
# (their input shown with --verbose) included.
expect_status 1 "$GRADER" grade --course "$C" --format gradescope --verbose "$T/learner-bad"
python3 - "$T/out" <<'P' || fail "a Gradescope test output starts with a newline"
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
assert tests and all(not t.get("output", "").startswith("\n") for t in tests), tests
P

# A failing dependency skips the check that depends on it, and says why.
cat >"$T/learner-bad/echo/shout.py" <<'P'
print("nope")
P
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/dep.json" "$T/learner-bad"
many="[c for c in r['exercises'][0]['checks'] if c['name']=='many lines'][0]"
json_is "$T/dep.json" "$many['status']" skipped
contains "$T/dep.json" "depends on 'one line'"

# A missing required file fails the exercise with a clear message.
rm "$T/learner-bad/echo/shout.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/missing.json" "$T/learner-bad"
contains "$T/missing.json" "missing file shout.py"
valid_report "$T/missing.json"
# ... and for Exercism the submission could not be run: status error, why
expect_status 1 "$GRADER" grade --course "$C" --format exercism "$T/learner-bad"
json_is "$T/out" "r['status']" error
json_is "$T/out" "r['message']" "fixture/echo: missing file shout.py in echo/ of the submission"
# (and the other formats of a run where nothing ran, validated by run.sh)
for f in junit gradescope; do
	expect_status 1 "$GRADER" grade --course "$C" --format "$f" "$T/learner-bad"
	contains "$T/out" "not run: shout.py is missing"
done
# ... said once in the text report, not once per check
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/learner-bad"
n=$(grep -c "shout.py" "$T/out")
[ "$n" = 1 ] || fail "the missing file is named $n times in the text report, not once"
contains "$T/out" "missing file shout.py in echo/ of the submission: no check ran"

# A submission with none of the course's folders is a usage error.
mkdir -p "$T/empty"
expect_status 2 "$GRADER" grade --course "$C" "$T/empty"
contains "$T/err" "holds no exercise"
