# The command line: help texts, usage errors and their exit status.
. "$(dirname "$0")/lib.sh"

expect_status 0 "$GRADER" --help
for word in grade lint check sandbox "Exit status"; do contains "$T/out" "$word"; done
expect_status 0 "$GRADER" --version
contains "$T/out" "grader "

for cmd in grade lint check sandbox; do
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
expect_status 2 "$GRADER" lint
expect_status 2 "$GRADER" lint "$T"
contains "$T/err" "neither course.yaml nor exercise.yaml"
