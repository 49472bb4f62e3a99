# `grader check` holds the bundled course to its rules, and catches an
# exercise whose known-wrong solution scores full marks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"

expect_status 0 "$GRADER" check "$ROOT/exercises"
contains "$T/out" "solution"
lacks "$T/out" "BROKEN"
lacks "$T/out" "MISSING"
# the capstone's tests run against the API exercise's own solution
cmp "$ROOT/exercises/capstone/recipes-api/solution/app.py" \
	"$ROOT/exercises/capstone/recipes-tests/reference/app.py" ||
	fail "capstone/recipes-tests/reference/app.py differs from capstone/recipes-api/solution/app.py"

make_fixture "$T"
E="$T/course/echo"
mkdir -p "$E/solution" "$E/wrong/strips"
cp "$T/learner-good/echo/shout.py" "$E/solution/"
cp "$T/learner-bad/echo/shout.py" "$E/wrong/strips/"
expect_status 0 "$GRADER" check "$T/course"
contains "$T/out" "wrong/strips"
# A "wrong" solution that is in fact right breaks the rule.
mkdir -p "$E/wrong/actually-right"
cp "$T/learner-good/echo/shout.py" "$E/wrong/actually-right/"
expect_status 1 "$GRADER" check "$T/course"
contains "$T/out" "BROKEN"
# No reference solution at all is a broken rule too.
rm -rf "$E/solution" "$E/wrong/actually-right"
expect_status 1 "$GRADER" check "$E"
contains "$T/out" "MISSING"
