# Grading a pytest exercise end to end (the bundled python/cart): scores,
# failure messages, collection errors, early exits, timeouts, hidden tests
# that do not leak, and learners who try to forge results or reconfigure
# pytest.
. "$(dirname "$0")/lib.sh"
C="$T/course"
mkdir -p "$C/python"
cp -R "$ROOT/exercises/python/cart" "$C/python/"
printf 'title: Cart\nexercises:\n  - { path: python/cart }\n' >"$C/course.yaml"
expect_status 0 "$GRADER" lint "$C"

# learner NAME: a fresh submission holding the reference solution.
learner() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/python"
	cp -R "$ROOT/exercises/python/cart/solution" "$T/$1/python/cart"
	L="$T/$1/python/cart"
}
check="r['exercises'][0]['checks']"
msg() { echo "[c['message'] for c in $check if c['name']=='$1'][0]"; }

# The reference passes every check, the hidden one included.
learner good
expect_status 0 "$GRADER" grade --course "$C" --output "$T/good.json" "$T/good"
valid_report "$T/good.json"
json_is "$T/good.json" "r['score']" 10
json_is "$T/good.json" "[c['status'] for c in $check]" "['passed', 'passed', 'passed', 'passed', 'passed']"

# One failing test: the check names it and quotes pytest's assertion.
learner inv
cp "$ROOT/exercises/python/cart/wrong/inventory-ignored/cart.py" "$L/"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/inv.json" "$T/inv"
valid_report "$T/inv.json"
json_is "$T/inv.json" "r['score']" 6
m=$(jq_py "$T/inv.json" "$(msg 'add_to_cart takes from the inventory')")
case "$m" in *"tests/test_cart.py::TestAddToCart::test_adds_and_takes_inventory failed"*"assert 10 == 7"*) ;;
*) fail "the failure message names neither the test nor the assertion: $m" ;; esac

# The hidden check failed too, but a learner sees neither its tests'
# names nor their messages; an instructor sees them.
hid="[c for c in $check if c['name']=='edge cases'][0]"
json_is "$T/inv.json" "$hid['status']" failed
lacks "$T/inv.json" "test_cart_hidden"
lacks "$T/inv.json" "test_quantity_must_be_positive"
lacks "$T/inv.json" "test_adding_twice"
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/inv"
lacks "$T/out" "test_cart_hidden"
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/inv-i.json" "$T/inv"
contains "$T/inv-i.json" "test_cart_hidden.py::test_adding_twice_accumulates failed"

# A syntax error in the learner's file: every check fails, naming it.
learner syn
printf 'class Product:\n    def __init__(self, name, price\n' >"$L/cart.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/syn.json" "$T/syn"
json_is "$T/syn.json" "r['score']" 0
m=$(jq_py "$T/syn.json" "$(msg 'a product keeps its name, price and inventory')")
case "$m" in *"tests/test_cart.py could not be collected: SyntaxError in cart.py:2"*) ;;
*) fail "no syntax error named: $m" ;; esac

# An import of a module that is not installed names the module.
learner imp
sed -i '1i import requests_nowhere_to_be_found' "$L/cart.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/imp.json" "$T/imp"
json_is "$T/imp.json" "r['score']" 0
contains "$T/imp.json" "No module named 'requests_nowhere_to_be_found'"

# sys.exit(0) while being imported: collected as an error, never a pass.
learner exit
printf 'import sys\nsys.exit(0)\n' >>"$L/cart.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/exit.json" "$T/exit"
json_is "$T/exit.json" "r['score']" 0
contains "$T/exit.json" "called sys.exit(0) while being imported"

# os._exit(0) at import: no test reports at all, so the suite could not run.
learner oexit
printf 'import os\nos._exit(0)\n' >>"$L/cart.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/oexit.json" "$T/oexit"
json_is "$T/oexit.json" "r['score']" 0
json_is "$T/oexit.json" "[c['status'] for c in $check]" "['failed', 'failed', 'skipped', 'failed', 'failed']"
contains "$T/oexit.json" "the run ended early with exit status 0"

# A forged passing record, printed on stdout and appended to the records
# file itself (its path read from /proc/self/environ), without the nonce:
# ignored. The starter raises NotImplementedError everywhere.
learner forge
cp "$ROOT/exercises/python/cart/starter/cart.py" "$L/"
cat >>"$L/cart.py" <<'P'
import json, os
def _forge():
    env = dict(kv.split("=", 1) for kv in open("/proc/self/environ").read().split("\0") if "=" in kv)
    ids = ["tests/test_cart.py::test_product_fields", "tests/test_cart.py::test_update_price",
           "tests/test_cart.py::test_update_price_invalid", "tests/test_cart_hidden.py::test_zero_price_is_allowed"]
    lines = "".join(json.dumps({"t": "result", "id": i, "outcome": "passed", "msg": "", "where": "", "n": ""}) + "\n" for i in ids)
    print(lines)
    path = env.get("GRADER_PYTEST_RECORDS")
    if path:
        with open(path, "a") as f:
            f.write(lines)
_forge()
P
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/forge.json" "$T/forge"
json_is "$T/forge.json" "r['score']" 0
contains "$T/forge.json" "NotImplementedError"

# The same forgery, then os._exit(0) before any real record is written:
# the forged lines are the only ones in the records file, and without the
# nonce they count for nothing.
sed -i 's/^_forge()$/_forge()\nos._exit(0)/' "$L/cart.py"
grep -q '^os._exit(0)$' "$L/cart.py" || fail "the forger did not get its exit"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/forge2.json" "$T/forge"
json_is "$T/forge2.json" "r['score']" 0
contains "$T/forge2.json" "the test suite could not run"

# A conftest.py that marks every test passed, and a pytest.ini whose
# addopts would deselect everything: neither is loaded.
learner conf
cp "$ROOT/exercises/python/cart/starter/cart.py" "$L/"
cat >"$L/conftest.py" <<'P'
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    rep.outcome = "passed"
    rep.longrepr = None
P
printf '[pytest]\naddopts = -k nothing_at_all -p no:grader_pytest_plugin\n' >"$L/pytest.ini"
printf 'raise SystemExit("shadowed pytest")\n' >"$L/pytest.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/conf.json" "$T/conf"
json_is "$T/conf.json" "r['score']" 0
json_is "$T/conf.json" "[c['status'] for c in $check]" "['failed', 'failed', 'skipped', 'failed', 'failed']"
contains "$T/conf.json" "NotImplementedError"
lacks "$T/conf.json" "shadowed pytest"

# Learner code in the visible run looks for the test files: it finds the
# visible ones, never the hidden file, which only the hidden run holds. The
# listing leaks out through a visible test's failure message.
learner peek
cat >>"$L/cart.py" <<'P'
import os
_seen = sorted(os.path.join(d, f) for top in ("/pytest", "/work", "/tmp") for d, _, fs in os.walk(top) for f in fs)
def _peek(self, price):
    raise ValueError("seen: " + " ".join(_seen))
Product.update_price = _peek
P
expect_status 1 "$GRADER" grade --course "$C" --output "$T/peek.json" "$T/peek"
contains "$T/peek.json" "/pytest/suite/tests/test_cart.py"
lacks "$T/peek.json" "test_cart_hidden"

# Learner code that tries to delete or overwrite the test files and the
# plugin: they are read-only, so the reference still scores full marks.
learner vandal
cat >>"$L/cart.py" <<'P'
import os
for _d, _, _fs in os.walk("/pytest"):
    for _f in _fs:
        for _act in (os.remove, lambda p: open(p, "w").write("def test_x(): pass\n")):
            try:
                _act(os.path.join(_d, _f))
            except OSError:
                pass
P
expect_status 0 "$GRADER" grade --course "$C" --output "$T/vandal.json" "$T/vandal"
json_is "$T/vandal.json" "r['score']" 10

# Learner code that replaces pytest's machinery: a patched report that
# turns every failure into a pass, replaced at import. The plugin notices
# the change and no result of the run counts; the check says what changed.
learner patch
cp "$ROOT/exercises/python/cart/starter/cart.py" "$L/"
cat >>"$L/cart.py" <<'P'
import _pytest.reports
_orig = _pytest.reports.TestReport.from_item_and_call
def _always_pass(item, call):
    rep = _orig(item, call)
    rep.outcome, rep.longrepr = "passed", None
    return rep
_pytest.reports.TestReport.from_item_and_call = staticmethod(_always_pass)
P
expect_status 1 "$GRADER" grade --course "$C" --output "$T/patch.json" "$T/patch"
json_is "$T/patch.json" "r['score']" 0
contains "$T/patch.json" "replaced part of pytest or of the grader's plugin (TestReport.from_item_and_call; noticed once the test files were imported)"
json_is "$T/patch.json" "$check[4]['summary']" "the code under test tampered with the test run"

# The same from inside a test's call (a method of the learner's that a
# test calls patches pytest.fail and the plugin's writer): noticed after
# that test, and that run counts for nothing; the hidden run, a process
# of its own that never calls update_price, still counts.
learner patch2
cat >>"$L/cart.py" <<'P'
_update = Product.update_price
def _sneaky(self, price):
    import sys, pytest
    pytest.fail = lambda *a, **k: None
    sys.modules["grader_pytest_plugin"]._emit = lambda **rec: None
    return _update(self, price)
Product.update_price = _sneaky
P
expect_status 1 "$GRADER" grade --course "$C" --output "$T/patch2.json" "$T/patch2"
json_is "$T/patch2.json" "r['score']" 2
json_is "$T/patch2.json" "[c['status'] for c in $check]" "['failed', 'failed', 'skipped', 'failed', 'passed']"
contains "$T/patch2.json" "pytest.fail, grader_pytest_plugin._emit; noticed after test tests/test_cart.py::test_update_price"

# A replaced sys.excepthook changes nothing (pytest reports exceptions
# itself), and an object whose __eq__ is always true passes an == but not
# the test's type() check: the starter's other failures stay failures.
learner eq
cat >>"$L/cart.py" <<'P'
import sys
sys.excepthook = lambda *a: None
class _Same:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
    __class__ = property(lambda self: float)
Cart.total = lambda self: _Same()
def _broken_update(self, price):
    raise RuntimeError("still broken")
Product.update_price = _broken_update
P
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/eq.json" "$T/eq"
json_is "$T/eq.json" "r['score']" 6
json_is "$T/eq.json" "[c['status'] for c in $check]" "['passed', 'passed', 'failed', 'failed', 'passed']"
contains "$T/eq.json" "total() must return a number"
contains "$T/eq.json" "RuntimeError: still broken"
lacks "$T/eq.json" "tampered"

# A per-test time limit: a slow test fails with its own message and what
# it printed, and the rest of the run goes on.
C2="$T/course2"
cp -R "$C" "$C2"
sed -i 's/^limits: .*/&\ntest_timeout: 1s/' "$C2/python/cart/exercise.yaml"
expect_status 0 "$GRADER" lint "$C2"
learner nap
python3 - "$L/cart.py" <<'P'
import sys
p = sys.argv[1]
s = open(p).read().replace("    def add_to_cart(self, product, quantity):\n", "    def add_to_cart(self, product, quantity):\n        print('adding', quantity)\n        import time; time.sleep(30)\n")
open(p, "w").write(s)
P
expect_status 1 "$GRADER" grade --course "$C2" --output "$T/nap.json" "$T/nap"
valid_report "$T/nap.json"
json_is "$T/nap.json" "[c['status'] for c in $check]" "['passed', 'passed', 'passed', 'failed', 'failed']"
m=$(jq_py "$T/nap.json" "$(msg 'add_to_cart takes from the inventory')")
case "$m" in *"failed at cart.py:"*"the test ran longer than its limit of 1.0 s"*"captured stdout:"*"adding 3"*) ;;
*) fail "the per-test limit is not named with the test's output: $m" ;; esac

# A test that never ends: the run times out, the message says which test
# was running, and the checks whose tests reported before keep their result.
sed -i 's/^limits: .*/limits: { wall: 3s, cpu: 3s, memory: 256MiB }/' "$C/python/cart/exercise.yaml"
learner slow
python3 - "$L/cart.py" <<'P'
import sys
p = sys.argv[1]
s = open(p).read().replace("    def add_to_cart(self, product, quantity):\n", "    def add_to_cart(self, product, quantity):\n        while True:\n            pass\n")
open(p, "w").write(s)
P
expect_status 1 "$GRADER" grade --course "$C" --output "$T/slow.json" "$T/slow"
valid_report "$T/slow.json"
json_is "$T/slow.json" "[c['status'] for c in $check][:3]" "['passed', 'passed', 'passed']"
m=$(jq_py "$T/slow.json" "$(msg 'add_to_cart takes from the inventory')")
case "$m" in *"did not report"*"while test tests/test_cart.py::TestAddToCart::test_adds_and_takes_inventory was running"*) ;;
*) fail "the timeout does not name the running test: $m" ;; esac
