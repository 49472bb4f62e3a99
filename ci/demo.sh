#!/bin/sh
# demo.sh - what `make demo` runs: validates the bundled course, then
# grades the sample learner (demo/learner: some exercises right, some with
# typical mistakes) as a learner's repository would be graded, and prints
# the text report the learner reads. The sample folder is committed into a
# throwaway Git repository first so the git exercises have a history.
set -u
: "${GRADER:?GRADER must name the grader binary}"
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "\$ grader lint exercises"
"$GRADER" lint "$root/exercises" || exit 1
echo

repo="$work/learner"
cp -R "$root/demo/learner" "$repo"
(
	cd "$repo" || exit 1
	export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
	export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
	git init -q -b main . && git config commit.gpgsign false
	printf '.env\n__pycache__/\n' >.gitignore
	git add .gitignore README.md && git commit -q -m "chore: start the exercises repository"
	git add python dsa && git commit -q -m "feat(python): fizzbuzz, shortest path and leaderboard"
	git add linux && git commit -q -m "finished linux stuff"
	git add sql && git commit -q -m "feat(sql): a filter query and a transfer"
) || exit 1

echo "\$ grader grade --course exercises --format text demo-learner-repo"
"$GRADER" grade --course "$root/exercises" --format text --color "$repo"
rc=$?
echo
case $rc in
0) echo "(exit 0: every exercise passed)" ;;
1) echo "(exit 1: the sample learner fails some checks, as intended; see the diffs above)" ;;
*) echo "(exit $rc: the demo itself went wrong)"; exit "$rc" ;;
esac
