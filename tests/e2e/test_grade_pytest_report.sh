# What a pytest check reports beyond pass and fail: partial credit over
# the selected tests, the shared diff of a failed == on long values, the
# learner-side frames of a traceback, subtests counted one by one, the
# tests' names, sources and tasks as the check's input (Exercism's
# test_code and task_id), and a count of the failed hidden tests that a
# learner sees without their names.
. "$(dirname "$0")/lib.sh"
F="$ROOT/tests/fixtures/pytest-report"
C="$T/course"
cp -R "$F/course" "$C"
expect_status 0 "$GRADER" lint "$C"
/usr/bin/python3 -c 'import pytest_subtests' 2>/dev/null ||
	fail "python3-pytest-subtests is not installed (make deps installs it)"

check="r['exercises'][0]['checks']"
field() { jq_py "$1" "[c.get('$3') for c in $check if c['name']=='$2'][0]"; }

# The reference passes everything, every case of every test included.
mkdir -p "$T/good/py/feat"
cp "$C/py/feat/solution/inventory.py" "$T/good/py/feat/"
expect_status 0 "$GRADER" grade --course "$C" --output "$T/good.json" "$T/good"
valid_report "$T/good.json"
json_is "$T/good.json" "r['score']" 7
json_is "$T/good.json" "[c['status'] for c in $check]" "['passed', 'passed', 'passed', 'passed']"

mkdir -p "$T/bad/py/feat"
cp "$F/wrong_inventory.py" "$T/bad/py/feat/inventory.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/bad.json" "$T/bad"
valid_report "$T/bad.json"

# partial: 4 points over 5 cases (test_report and 4 of test_count), 3 of
# them failed: 2 of 5 passed, 1.6 points.
json_is "$T/bad.json" "[c['score'] for c in $check if c['name']=='the report'][0]" 1.6
json_is "$T/bad.json" "$(echo "[c['status'] for c in $check if c['name']=='the report'][0]")" failed
json_is "$T/bad.json" "[c['summary'] for c in $check if c['name']=='the report'][0]" "3 of 5 tests failed"
# Without partial a check scores all or nothing.
json_is "$T/bad.json" "[c['score'] for c in $check if c['name']=='each code is valid'][0]" 0

# The long == compare is the shared diff: the right side expected.
u=$(jq_py "$T/bad.json" "[c['diff']['unified'] for c in $check if c['name']=='the report'][0]")
case "$u" in *"- 'total': 8}"*"+ 'total': 7}"*) ;;
*) fail "no diff of the compared values: $u" ;; esac
m=$(field "$T/bad.json" 'the report' message)
case "$m" in *"test tests/test_inventory.py::test_report failed at tests/test_inventory.py:"*"(and 2 more of 5 selected tests did not pass)"*) ;;
*) fail "the report's message: $m" ;; esac

# A subtest is a case of its own, named by its parameters, and the
# failure shows the learner's frames, innermost last.
m=$(field "$T/bad.json" 'each code is valid' message)
case "$m" in *"test_codes [code, code='CD-2'] failed at inventory.py:"*"KeyError: 'CD'"*"in your code (innermost last):"*"in valid_code"*"in _prefix_ok"*) ;;
*) fail "the subtest failure: $m" ;; esac
json_is "$T/bad.json" "[c['summary'] for c in $check if c['name']=='each code is valid'][0]" "1 of 3 tests failed"

# input: the tests' display names and source, once per parametrized test;
# task_id from @pytest.mark.task.
i=$(field "$T/bad.json" 'the report' input)
case "$i" in *"# The report lists every item with its count."*"def test_report():"*"# count[0]"*"def test_count(n):"*) ;;
*) fail "the check's input lacks the tests' names and code: $i" ;; esac
[ "$(printf '%s' "$i" | grep -c 'def test_count')" = 1 ] || fail "a parametrized test's source is shown more than once: $i"
json_is "$T/bad.json" "[c.get('task_id') for c in $check]" "[1, 2, None, None]"
i=$(field "$T/bad.json" 'restock' input)
case "$i" in *"# Restock > restock adds"*) ;; *) fail "no Class > test name: $i" ;; esac
expect_status 1 "$GRADER" grade --course "$C" --format exercism --output "$T/ex.json" "$T/bad"
json_is "$T/ex.json" "[t['task_id'] for t in r['tests']]" "[1, 2, 1, 1]"
contains "$T/ex.json" 'def test_report():'

# The hidden check: a learner sees how many hidden tests failed, not
# which; an instructor sees the failure itself.
json_is "$T/bad.json" "[c['message'] for c in $check if c['name']=='hidden ones'][0]" \
	"2 of 3 hidden tests failed; hidden check: its details are shown to instructors only"
lacks "$T/bad.json" "test_negative"
lacks "$T/bad.json" "test_hidden.py"
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/bad"
contains "$T/out" "2 of 3 hidden tests failed"
lacks "$T/out" "test_negative"
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/bad-i.json" "$T/bad"
m=$(field "$T/bad-i.json" 'hidden ones' message)
case "$m" in *"test tests/test_hidden.py::test_negative failed at inventory.py:"*"in restock"*"in _add"*) ;;
*) fail "the instructor does not see the hidden failure: $m" ;; esac
echo "pytest report e2e ok"
