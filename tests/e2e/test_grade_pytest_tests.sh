# Grading a pytest-tests exercise end to end (the bundled
# testing/discount-tests): the learner's tests against the reference, the
# broken implementations and mutants; a surviving broken implementation
# named only by its description; a suite that fails on the reference, a
# syntax error, and hostile suites that look around, exit early or bring
# a conftest.py.
. "$(dirname "$0")/lib.sh"
EX="$ROOT/exercises/testing/discount-tests"
C="$T/course"
mkdir -p "$C/testing"
cp -R "$EX" "$C/testing/"
printf 'title: Tests\nexercises:\n  - { path: testing/discount-tests }\n' >"$C/course.yaml"
expect_status 0 "$GRADER" lint "$C"
# The same exercise without mutants (and without its mutation check): the
# cases below that are not about mutants grade faster on it.
C2="$T/course2"
mkdir -p "$C2/testing"
cp -R "$EX" "$C2/testing/"
cp "$C/course.yaml" "$C2/"
y="$C2/testing/discount-tests/exercise.yaml"
sed -i '/^mutants:/d; /- name: mutation score/,$d' "$y"
expect_status 0 "$GRADER" lint "$C2"

# learner NAME: a fresh submission holding the exercise's good suite.
learner() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/testing"
	cp -R "$EX/solution" "$T/$1/testing/discount-tests"
	L="$T/$1/testing/discount-tests"
}
check="r['exercises'][0]['checks']"
st() { jq_py "$1" "[c['status'] for c in $check]"; }
msg() { echo "[c['message'] for c in $check if c['name']=='$1'][0]"; }
# no broken implementation's code, folder or file ever reaches a report
no_broken_code() {
	for s in "math.floor" "price * 1.0" "if percent < 0:" "broken/" "zero-discount" \
		"free-items" "no-validation"; do
		lacks "$1" "$s"
	done
}

# The good suite: full marks, mutants included; each catch names its test.
learner good
expect_status 0 "$GRADER" grade --course "$C" --output "$T/good.json" "$T/good"
valid_report "$T/good.json"
json_is "$T/good.json" "r['score']" 10
json_is "$T/good.json" "$(msg 'catches wrong rounding')" \
	"caught by test_discount.py::test_rounds_half_cents_up"
m=$(jq_py "$T/good.json" "$(msg 'mutation score')")
case "$m" in "your tests killed "*" of "*" mutants ("*"%; 80% needed)"*) ;;
*) fail "the mutation score says no figures: $m" ;; esac
no_broken_code "$T/good.json"

# A weak suite: the checks of what it misses fail with the implementation's
# description only, and its surviving mutants are hinted at by kind and
# function, never by line or code.
learner weak
cp "$EX/wrong/no-edge-cases/test_discount.py" "$L/"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/weak.json" "$T/weak"
valid_report "$T/weak.json"
json_is "$T/weak.json" "$(st "$T/weak.json")" \
	"['passed', 'passed', 'failed', 'failed', 'passed', 'failed']"
json_is "$T/weak.json" "$(msg 'catches wrong rounding')" \
	"every one of your tests passes on an implementation that rounds the discounted price the wrong way: add a test that fails on it"
m=$(jq_py "$T/weak.json" "$(msg 'mutation score')")
case "$m" in *"survived: "*" in calculate_discount"*) ;;
*) fail "no surviving mutants hinted at: $m" ;; esac
case "$m" in *"line"*|*"round("*|*"discounted"*) fail "the hint shows the reference: $m" ;; esac
no_broken_code "$T/weak.json"
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/weak"
no_broken_code "$T/out"

# A suite that misses exactly one broken implementation (the good one
# without its rounding tests): that check alone fails.
learner one
python3 - "$L/test_discount.py" <<'P'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"\ndef test_rounds_half_cents_up\(\):\n(    .*\n)+", "\n", s)
open(p, "w").write(s)
P
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/one.json" "$T/one"
json_is "$T/one.json" "$(st "$T/one.json")" "['passed', 'passed', 'passed', 'failed', 'passed']"
json_is "$T/one.json" "r['score']" 5
contains "$T/one.json" "an implementation that rounds the discounted price the wrong way"
json_is "$T/one.json" "$check[3]['summary']" \
	"not caught: an implementation that rounds the discounted price the wrong way"
no_broken_code "$T/one.json"

# A suite that fails on the correct implementation: that check names the
# failing test and quotes the assertion, and it catches nothing.
learner ref
printf '\n\ndef test_wrong_expectation():\n    assert calculate_discount(100, 10) == 91\n' >>"$L/test_discount.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/ref.json" "$T/ref"
valid_report "$T/ref.json"
json_is "$T/ref.json" "r['score']" 0
m=$(jq_py "$T/ref.json" "$(msg 'your tests pass on a correct implementation')")
case "$m" in *"1 of your 17 tests did not pass on the correct implementation: test_discount.py::test_wrong_expectation"*"assert 90.0 == 91"*) ;;
*) fail "the failure on the reference is not named: $m" ;; esac
contains "$T/ref.json" "a suite that fails everywhere catches nothing"
contains "$T/ref.json" "a suite that fails everywhere kills nothing"

# A syntax error in the learner's test file.
learner syn
printf 'def test_broken(:\n    pass\n' >"$L/test_discount.py"
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/syn.json" "$T/syn"
json_is "$T/syn.json" "r['score']" 0
contains "$T/syn.json" "test_discount.py could not be collected: SyntaxError in test_discount.py:1"

# A test file over the size limit: the learner's to fix, not an error.
learner big
python3 -c 'print("# " + "x" * 1100000)' >>"$L/test_discount.py"
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/big.json" "$T/big"
json_is "$T/big.json" "r['exercises'][0]['status']" failed
contains "$T/big.json" "your test file test_discount.py is too large"

# No tests at all.
learner empty
printf 'import discount\n' >"$L/test_discount.py"
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/empty.json" "$T/empty"
json_is "$T/empty.json" "r['score']" 0
contains "$T/empty.json" "pytest collected no tests"

# A suite that looks around: it lists what it can see and reads the
# implementation's source, and reports both through a failure. It sees
# the implementation of its own run (here the reference) and its own test
# file, never another implementation or the exercise folder.
learner peek
cat >>"$L/test_discount.py" <<'P'


def test_peek():
    import os, discount
    seen = sorted(os.path.join(d, f) for top in ("/pytest", "/work", "/tmp", "/home", "/root")
                  for d, _, fs in os.walk(top) for f in fs)
    src = open(discount.__file__).read()
    assert not seen, "seen: " + " ".join(seen) + " source: " + src
P
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/peek.json" "$T/peek"
contains "$T/peek.json" "/work/discount.py"
contains "$T/peek.json" "/pytest/suite/test_discount.py"
contains "$T/peek.json" "round(discounted"
lacks "$T/peek.json" "exercise.yaml"
lacks "$T/peek.json" "reference/"
no_broken_code "$T/peek.json"

# os._exit(0) inside a test: the run on the reference ends early, which
# is never a pass.
learner oexit
printf '\n\ndef test_leave():\n    import os\n    os._exit(0)\n' >>"$L/test_discount.py"
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/oexit.json" "$T/oexit"
json_is "$T/oexit.json" "r['score']" 0
contains "$T/oexit.json" "the run ended early with exit status 0"
contains "$T/oexit.json" "test_discount.py::test_leave"

# os._exit(0) only where the implementation misbehaves: the suite passes
# on the reference, and on the broken one it ends early, which does not
# count as catching it.
learner sneaky
cat >"$L/test_discount.py" <<'P'
import os
from discount import calculate_discount


def test_ten_percent_off():
    if calculate_discount(100, 10) != 90:
        os._exit(0)
P
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/sneaky.json" "$T/sneaky"
json_is "$T/sneaky.json" "$(st "$T/sneaky.json")" "['passed', 'failed', 'failed', 'failed', 'failed']"
contains "$T/sneaky.json" "your tests ended early without a failing test"

# A conftest.py (and a pytest.ini) of the learner's that would turn every
# failure into a pass: not loaded, so a failing suite still fails.
learner conf
printf '\n\ndef test_wrong_expectation():\n    assert calculate_discount(100, 10) == 91\n' >>"$L/test_discount.py"
cat >"$L/conftest.py" <<'P'
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    rep.outcome = "passed"
    rep.longrepr = None
P
printf '[pytest]\naddopts = -p no:grader_pytest_plugin\n' >"$L/pytest.ini"
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/conf.json" "$T/conf"
json_is "$T/conf.json" "r['score']" 0
contains "$T/conf.json" "test_discount.py::test_wrong_expectation"
contains "$T/conf.json" "assert 90.0 == 91"

# A suite that replaces pytest's machinery to turn failures into passes:
# noticed, and that run counts for nothing.
learner patch
printf '\n\ndef test_wrong_expectation():\n    assert calculate_discount(100, 10) == 91\n' >>"$L/test_discount.py"
cat >>"$L/test_discount.py" <<'P'
import _pytest.reports
_orig = _pytest.reports.TestReport.from_item_and_call
def _always_pass(item, call):
    rep = _orig(item, call)
    rep.outcome, rep.longrepr = "passed", None
    return rep
_pytest.reports.TestReport.from_item_and_call = staticmethod(_always_pass)
P
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/patch.json" "$T/patch"
json_is "$T/patch.json" "r['score']" 0
contains "$T/patch.json" "your tests replaced part of pytest or of the grader's plugin (TestReport.from_item_and_call"

# A broken implementation that never returns is caught by the run's limit,
# and one without the function by the import error it causes.
LC="$T/loopcourse"
mkdir -p "$LC/t/loop/reference" "$LC/t/loop/broken/loops" "$LC/t/loop/broken/gone"
printf 'title: L\nexercises:\n  - { path: t/loop }\n' >"$LC/course.yaml"
cat >"$LC/t/loop/exercise.yaml" <<'Y'
id: t/loop
title: Loop
kind: pytest-tests
files: [test_f.py]
module: f.py
broken:
  loops: "never returns"
  gone: "has no f at all"
limits: { wall: 4s }
checks:
  - name: ref
    passes: reference
  - name: loops
    catches: loops
  - name: gone
    catches: gone
Y
printf 'def f(x):\n    return x + 1\n' >"$LC/t/loop/reference/f.py"
printf 'def f(x):\n    while True:\n        pass\n' >"$LC/t/loop/broken/loops/f.py"
printf 'def g(x):\n    return x + 1\n' >"$LC/t/loop/broken/gone/f.py"
mkdir -p "$T/lsub/t/loop"
printf 'from f import f\n\ndef test_f():\n    assert f(1) == 2\n' >"$T/lsub/t/loop/test_f.py"
expect_status 0 "$GRADER" grade --course "$LC" --output "$T/loop.json" "$T/lsub"
# (the seconds are measured: 4.0 here, 4.1 under a loaded sanitizer build)
m=$(jq_py "$T/loop.json" "$check[1]['message']")
case "$m" in "caught: against it your tests timed out after "*" s of wall time while test test_f.py::test_f was running") ;;
*) fail "the loop is not caught by its time limit: $m" ;; esac
json_is "$T/loop.json" "$check[2]['message']" "caught: test_f.py could not be imported against it"

# A reference with a main block that would never end if it ran (as a
# server's app.run() does): no mutant touches the block, so none runs it
# while pytest imports the module, and every mutant is judged.
GC="$T/guardcourse"
mkdir -p "$GC/t/guard/reference" "$GC/t/guard/broken/off" "$T/gsub/t/guard"
printf 'title: G\nexercises:\n  - { path: t/guard }\n' >"$GC/course.yaml"
cat >"$GC/t/guard/exercise.yaml" <<'Y'
id: t/guard
title: Guard
kind: pytest-tests
files: [test_g.py]
module: g.py
broken: { off: "adds one too many" }
mutants: { max: 30 }
limits: { wall: 10s }
checks:
  - { name: ref, passes: reference }
  - { name: off, catches: off }
  - { name: mutants, mutation_score: 50% }
Y
printf 'def g(x):\n    if x > 0:\n        return x + 1\n    return 0\n\nif __name__ == "__main__":\n    while True:\n        pass\n' >"$GC/t/guard/reference/g.py"
printf 'def g(x):\n    if x > 0:\n        return x + 2\n    return 0\n' >"$GC/t/guard/broken/off/g.py"
printf 'from g import g\n\ndef test_g():\n    assert g(1) == 2\n    assert g(5) == 6\n    assert g(0) == 0\n    assert g(-3) == 0\n' >"$T/gsub/t/guard/test_g.py"
expect_status 0 "$GRADER" grade --course "$GC" --audience instructor --output "$T/guard.json" "$T/gsub"
m=$(jq_py "$T/guard.json" "$check[2]['message']")
# (a mutant inside the block, `while not True`, could never be caught:
# the suite kills every mutant only when there is none there)
case "$m" in "your tests killed "*" mutants (100%; 50% needed)") ;;
*) fail "a mutant was made inside the main block, or not judged: $m" ;; esac
lacks "$T/guard.json" "timed out"

# grader check: the good suite scores full marks, the weak ones do not.
expect_status 0 "$GRADER" check "$C/testing/discount-tests"
contains "$T/out" "wrong/happy-path-only"
contains "$T/out" "ok: 0 rules broken"
echo "ok"
