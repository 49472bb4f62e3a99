#!/bin/sh
# demo.sh - what `make demo` runs: validates the bundled course, then grades
# the sample learner folder (demo/learner, some exercises right, some wrong)
# and prints the text report a learner would read.
set -u
: "${GRADER:?GRADER must name the grader binary}"
root=$(cd "$(dirname "$0")/.." && pwd)
echo "\$ grader lint exercises"
"$GRADER" lint "$root/exercises" || exit 1
echo
echo "\$ grader grade --course exercises --format text demo/learner"
"$GRADER" grade --course "$root/exercises" --format text --color "$root/demo/learner"
rc=$?
echo
case $rc in
0) echo "(exit 0: every exercise passed)" ;;
1) echo "(exit 1: the sample learner fails some checks, as intended; see the diffs above)" ;;
*) echo "(exit $rc: the demo itself went wrong)"; exit "$rc" ;;
esac
