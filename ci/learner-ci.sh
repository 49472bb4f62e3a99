#!/bin/sh
# learner-ci.sh - grading in a learner's CI job, the steps the templates in
# ci/github/grade.yml and ci/gitlab/grade.yml run, and that anyone can run
# locally on a checkout:
#
#   sh ci/learner-ci.sh --course COURSE [--threshold PERCENT] [--out DIR]
#                       [--exercise ID]... CHECKOUT
#
# It grades CHECKOUT (a folder, or a Git checkout with its history) against
# COURSE with `grader grade`, keeps the JSON report, writes the Markdown
# summary (appended to $GITHUB_STEP_SUMMARY when that is set, as GitHub
# Actions shows it on the job's page) and the JUnit XML report (GitLab's
# test report, GitHub's artifact) with `grader report`, and fails when the
# score is under the threshold (default 0: any score passes, but an
# internal error still fails).
#
# The grader is $GRADER, else `grader` on PATH, else build/grader beside
# this script. Outputs go to DIR (default grader-out): report.json,
# summary.md, junit.xml. Exit status: 0 at or over the threshold, 1 under
# it, 2 usage error or a course that does not load, 3 internal error.
set -u
usage() {
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}
course="" threshold=0 out=grader-out checkout="" exercises=""
while [ $# -gt 0 ]; do
	case $1 in
	--course) course=${2:-}; shift 2 || usage ;;
	--threshold) threshold=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--exercise) exercises="$exercises --exercise ${2:-}"; shift 2 || usage ;;
	-h | --help) usage 0 ;;
	-*) echo "learner-ci: unknown option $1" >&2; usage ;;
	*) [ -z "$checkout" ] || { echo "learner-ci: name one CHECKOUT" >&2; usage; }
	   checkout=$1; shift ;;
	esac
done
[ -n "$course" ] && [ -n "$checkout" ] || { echo "learner-ci: --course and CHECKOUT are required" >&2; usage; }
threshold=${threshold%\%}
case $threshold in
'' | *[!0-9.]* | *.*.*) echo "learner-ci: --threshold is a percentage, e.g. 80 or 80%, not '$threshold'" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
grader=${GRADER:-}
[ -n "$grader" ] || grader=$(command -v grader 2>/dev/null || true)
[ -n "$grader" ] || [ ! -x "$here/../build/grader" ] || grader="$here/../build/grader"
[ -n "$grader" ] || { echo "learner-ci: no grader: set GRADER, put grader on PATH, or build it (make)" >&2; exit 3; }
mkdir -p "$out" || exit 3

echo "learner-ci: grading $checkout against $course"
# shellcheck disable=SC2086 # $exercises is a list of options
"$grader" grade --course "$course" $exercises --format json --output "$out/report.json" "$checkout"
rc=$?
case $rc in
0 | 1) ;;
2) echo "learner-ci: the course or the submission could not be read (see above)" >&2; exit 2 ;;
*) [ -s "$out/report.json" ] || { echo "learner-ci: the grader failed (exit $rc)" >&2; exit 3; } ;;
esac
"$grader" report --format markdown --output "$out/summary.md" "$out/report.json"
"$grader" report --format junit --output "$out/junit.xml" "$out/report.json"
"$grader" report --format text --no-color "$out/report.json"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
# The score against the threshold, from the JSON report.
verdict=$(python3 - "$out/report.json" "$threshold" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
score, most, want = r.get("score") or 0, r.get("max_score") or 0, float(sys.argv[2])
pct = 100.0 * score / most if most else 0.0
print("%s %g/%g (%.1f%%)" % ("pass" if pct + 1e-9 >= want and r.get("status") != "error" else
                             "error" if r.get("status") == "error" else "under",
                             score, most, pct))
P
) || { echo "learner-ci: cannot read the score from $out/report.json" >&2; exit 3; }
what=${verdict#* }
case $verdict in
pass*) echo "learner-ci: score $what, at or over the threshold of $threshold%"; exit 0 ;;
error*) echo "learner-ci: score $what, but the grading had an internal error (see the report)" >&2; exit 3 ;;
*) echo "learner-ci: score $what is under the threshold of $threshold%" >&2; exit 1 ;;
esac
