# The command line: help texts, usage errors and their exit status.
. "$(dirname "$0")/lib.sh"

expect_status 0 "$GRADER" --help
for word in grade lint check report sandbox "Exit status"; do contains "$T/out" "$word"; done
expect_status 0 "$GRADER" --version
contains "$T/out" "grader "

for cmd in grade lint check report sandbox; do
	expect_status 0 "$GRADER" "$cmd" --help
	contains "$T/out" "usage: grader $cmd"
done
expect_status 0 "$GRADER" grade --help
for opt in --course --exercise --format --output --audience --ref --commit --since --state-dir; do
	contains "$T/out" "$opt"
done

expect_status 2 "$GRADER"
expect_status 2 "$GRADER" frobnicate
contains "$T/err" "unknown command 'frobnicate'"
expect_status 2 "$GRADER" grade "$ROOT/demo/learner"
contains "$T/err" "--course DIR is required"
expect_status 2 "$GRADER" grade --course "$ROOT/exercises" --format jsn "$ROOT/demo/learner"
contains "$T/err" "unknown format 'jsn' (did you mean 'json'?)"
expect_status 2 "$GRADER" grade --course "$ROOT/exercises" --exercise python/fizzbuz "$ROOT/demo/learner"
contains "$T/err" "did you mean 'python/fizzbuzz'"
# Found before anything is graded: an --output folder that does not
# exist, and a plain file named as the submission.
expect_status 2 "$GRADER" grade --course "$ROOT/exercises" --output "$T/no/such/dir/r.json" "$ROOT/demo/learner"
contains "$T/err" "grader grade: --output $T/no/such/dir/r.json: the folder $T/no/such/dir does not exist"
printf 'x\n' >"$T/plain"
expect_status 2 "$GRADER" grade --course "$ROOT/exercises" "$T/plain"
contains "$T/err" "grader grade: $T/plain is a file: name the learner's folder, a Git repository or its URL"
expect_status 2 "$GRADER" lint
expect_status 2 "$GRADER" lint "$T"
contains "$T/err" "neither course.yaml nor exercise.yaml"

# grade, lint and check run grader-core from beside the grader binary
# (serve runs grader-serve): a missing helper is an internal error that
# names the path, not a crash.
mkdir -p "$T/lonely"
cp "$GRADER" "$T/lonely/grader"
expect_status 3 "$T/lonely/grader" lint "$ROOT/exercises"
contains "$T/err" "cannot run $T/lonely/grader-core"
expect_status 3 "$T/lonely/grader" serve --help
contains "$T/err" "cannot run $T/lonely/grader-serve"
# ... and `grader sandbox` needs neither.
expect_status 0 "$T/lonely/grader" sandbox -- /bin/echo alone
contains "$T/out" "alone"
