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
contains "$T/err" "grader grade: unknown format 'jsn' (did you mean 'json'? the formats: json, text, junit, markdown, gradescope, exercism)"
# a name near none: still every format
expect_status 2 "$GRADER" grade --course "$ROOT/exercises" --format yaml "$ROOT/demo/learner"
contains "$T/err" "grader grade: unknown format 'yaml' (the formats: json, text, junit, markdown, gradescope, exercism)"
expect_status 2 "$GRADER" report --format yaml "$T/any.json"
contains "$T/err" "grader report: unknown format 'yaml' (the formats: json, text, junit, markdown, gradescope, exercism)"
# Every message of a usage error names its command ("grader grade: ...",
# getopt's too), then says where the options are.
only_prefixed() {
	while IFS= read -r line; do
		case $line in
		"grader $1: "* | "Run 'grader $1 --help' for the options.") ;;
		*) fail "grader $1: a message without the command's prefix: $line" ;;
		esac
	done <"$T/err"
	[ -s "$T/err" ] || fail "grader $1: no message"
}
for args in "--bogus" "-f" "--format" "--course" "--audience everyone" "--course $ROOT/exercises" \
	"--course $T/nowhere $ROOT/demo/learner" "--course $ROOT/exercises -f jsn $ROOT/demo/learner" \
	"--course $ROOT/exercises $T/no/such/submission"; do
	# shellcheck disable=SC2086
	expect_status 2 "$GRADER" grade $args
	only_prefixed grade
done
contains "$T/err" "grader grade: "
expect_status 2 "$GRADER" grade --bogus
contains "$T/err" "grader grade: unrecognized option '--bogus'"
expect_status 2 "$GRADER" grade --course "$T/nowhere" "$ROOT/demo/learner"
contains "$T/err" "grader grade: --course $T/nowhere: neither course.yaml nor exercise.yaml found here"
printf '{}' >"$T/empty.json"
for args in "--bogus" "-f" "--audience everyone" "" "a.json b.json" "--format jsn $T/empty.json" \
	"$T/no/such.json" "$T/empty.json"; do
	# shellcheck disable=SC2086
	expect_status 2 "$GRADER" report $args
	only_prefixed report
done
expect_status 2 "$GRADER" report -f
contains "$T/err" "grader report: option requires an argument -- 'f'"
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
# (the binary itself: under run.sh $GRADER is keep-reports.sh, which runs
# $GRADER_REAL)
mkdir -p "$T/lonely"
cp "${GRADER_REAL:-$GRADER}" "$T/lonely/grader"
expect_status 3 "$T/lonely/grader" lint "$ROOT/exercises"
contains "$T/err" "cannot run $T/lonely/grader-core"
expect_status 3 "$T/lonely/grader" serve --help
contains "$T/err" "cannot run $T/lonely/grader-serve"
# ... and `grader sandbox` needs neither.
expect_status 0 "$T/lonely/grader" sandbox -- /bin/echo alone
contains "$T/out" "alone"
