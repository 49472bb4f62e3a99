# ci/learner-ci.sh, the steps of the learners' CI templates, on a sample
# learner repository made with git: the reports it keeps, the job summary,
# and the threshold that fails the job.
. "$(dirname "$0")/lib.sh"
C="$T/course"
mkdir -p "$C/python" "$C/git"
cp -R "$ROOT/exercises/python/fizzbuzz" "$ROOT/exercises/python/cart" "$C/python/"
cp -R "$ROOT/exercises/git/conventional-commits" "$C/git/"
cat >"$C/course.yaml" <<'Y'
title: CI
exercises:
  - { path: python/fizzbuzz }
  - { path: python/cart }
  - { path: git/conventional-commits, submit: . }
Y
# The learner: fizzbuzz right, cart with a typical mistake, three commits.
R="$T/learner"
mkdir -p "$R/python/fizzbuzz" "$R/python/cart"
cp "$ROOT/exercises/python/fizzbuzz/solution/"* "$R/python/fizzbuzz/"
cp "$ROOT/exercises/python/cart/wrong/inventory-ignored/cart.py" "$R/python/cart/"
(
	cd "$R" && git init -q -b main . && git config user.name Ana && git config user.email ana@example.edu
	git config commit.gpgsign false
	git add python/fizzbuzz && git commit -q -m "feat(fizzbuzz): print the sequence"
	git add python/cart && git commit -q -m "feat(cart): products and a cart"
	echo notes >NOTES && git add NOTES && git commit -q -m "docs: notes"
) || fail "cannot build the learner repository"

# Under the threshold: the job fails, and says by how much.
expect_status 1 env GITHUB_STEP_SUMMARY="$T/summary" GRADER="$GRADER" \
	sh "$ROOT/ci/learner-ci.sh" --course "$C" --threshold 90% --out "$T/out1" "$R"
contains "$T/err" "learner-ci: score "
contains "$T/err" "is under the threshold of 90%"
contains "$T/out" "python/fizzbuzz"
valid_report "$T/out1/report.json"
contains "$T/out1/summary.md" "## Grade: "
contains "$T/summary" "## Grade: "
python3 - "$T/out1/junit.xml" <<'P' || fail "junit.xml is not JUnit XML with a failure"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.iter("testcase")
sys.exit(not any(c.find("failure") is not None for c in cases))
P
lacks "$T/out1/junit.xml" "test_cart_hidden"

# At or over it: the job passes; a threshold that is not a number is a
# usage error, and a course that does not load is one too.
expect_status 0 env GRADER="$GRADER" sh "$ROOT/ci/learner-ci.sh" --course "$C" --threshold 50 --out "$T/out2" "$R"
contains "$T/out" "at or over the threshold of 50%"
expect_status 2 env GRADER="$GRADER" sh "$ROOT/ci/learner-ci.sh" --course "$C" --threshold lots "$R"
contains "$T/err" "--threshold is a percentage"
expect_status 2 env GRADER="$GRADER" sh "$ROOT/ci/learner-ci.sh" --course "$T/nowhere" "$R"
expect_status 2 env GRADER="$GRADER" sh "$ROOT/ci/learner-ci.sh" "$R"
contains "$T/err" "--course and CHECKOUT are required"

# The templates run this script with the same options.
for f in github/grade.yml gitlab/grade.yml; do
	contains "$ROOT/ci/$f" "ci/learner-ci.sh"
	contains "$ROOT/ci/$f" "--threshold"
	/usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$ROOT/ci/$f" ||
		fail "ci/$f is not YAML"
done
contains "$ROOT/ci/gitlab/grade.yml" "junit: grader-out/junit.xml"
echo "learner CI e2e ok"
