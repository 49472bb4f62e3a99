#!/bin/sh
# demo.sh - what `make demo` runs: the grader as its users meet it. It
# validates the bundled course, builds a sample learner's repository with
# git (demo/learner: a few commits, some exercises right, some with typical
# mistakes), starts the grading daemon with its defaults (a SQLite queue in
# a state folder, no other service), pushes the learner's commits to the
# repository the daemon watches, waits for the report with a progress
# line, prints the text report the learner reads, says where the JSON
# reports and the API are, and stops the daemon.
#
# DEMO_KEEP=1 keeps the demo's folder (state, reports, repositories).
set -u
: "${GRADER:?GRADER must name the grader binary}"
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
daemon=""
cleanup() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "(kept: $work)"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for tool in git curl /usr/bin/python3; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing (make deps)"; exit 3; }
done

echo "\$ grader lint exercises"
"$GRADER" lint "$root/exercises" || exit 1
echo

# The learner's repository, and the one on the "forge" that the daemon
# watches (a bare repository; a real course would watch GitLab or GitHub).
forge="$work/forge/ana.git"
git init -q --bare -b main "$forge" || exit 3
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
	git remote add origin "$forge"
) || exit 3

# The daemon: its defaults, a port of its own, one learner and her token.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(16))')
sha=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
cat >"$work/grader.yaml" <<Y
state_dir: $work/state
course: $root/exercises
listen: 127.0.0.1:$port
reports_dir: $work/reports
poll: { interval: 1s, max_backoff: 2s }
repositories:
  - { learner: ana, url: $forge, branch: main }
tokens:
  - { name: ana, role: learner, learner: ana, token_sha256: $sha }
Y
echo "\$ grader serve --config grader.yaml &      # state, queue and reports under $work"
"$GRADER" serve --config "$work/grader.yaml" 2>"$work/daemon.log" &
daemon=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do
	curl -sf "$base/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
if ! curl -sf "$base/healthz" >/dev/null 2>&1; then
	echo "demo: the daemon did not start:"
	cat "$work/daemon.log"
	exit 3
fi
echo "the daemon answers on $base"
echo

echo "\$ git push origin main                     # the learner pushes her work"
(cd "$repo" && git push -q origin main) || exit 3
commit=$(cd "$repo" && git rev-parse HEAD)

# Wait for the report of that commit, as the learner's own tools would:
# through the API, with her token.
start=$(date +%s)
last=""
report="$work/report.json"
while :; do
	curl -s -H "Authorization: Bearer $token" "$base/api/v1/learners/ana/reports" >"$work/reports.json"
	state=$(/usr/bin/python3 - "$work/reports.json" "$commit" "$report" <<'P'
import json, sys
try:
    subs = json.load(open(sys.argv[1]))["submissions"]
except (OSError, ValueError, KeyError):
    print("starting"); sys.exit(0)
mine = [s for s in subs if s.get("commit") == sys.argv[2]]
if not mine:
    print("waiting for the push to be seen"); sys.exit(0)
s = mine[0]
if s.get("report"):
    json.dump(s["report"], open(sys.argv[3], "w"))
    print("done")
elif s.get("state") == "failed":
    print("failed: " + s.get("error", "?"))
else:
    pos = s.get("queue_position")
    print(s.get("state", "?") + (" (place %d in the queue)" % pos if pos else ""))
P
)
	now=$(date +%s)
	case $state in
	done) break ;;
	failed*)
		printf '\n'
		echo "demo: the grading $state"
		tail -n 20 "$work/daemon.log"
		exit 3
		;;
	esac
	if [ $((now - start)) -gt 300 ]; then
		printf '\n'
		echo "demo: no report after 300 s"
		tail -n 20 "$work/daemon.log"
		exit 3
	fi
	if [ "$state" != "$last" ] || [ -t 1 ]; then
		if [ -t 1 ]; then printf '\r%-60s' "  $state... $((now - start)) s"; else echo "  $state"; fi
		last=$state
	fi
	sleep 0.5
done
[ -t 1 ] && printf '\r%-60s\r' ""
echo "graded in $(($(date +%s) - start)) s"
echo

echo "\$ grader report --format text report.json   # what the learner reads"
"$GRADER" report --format text --color "$report"
rc=$?
echo
case $rc in
0) echo "(every exercise passed)" ;;
1) echo "(the sample learner fails some checks, as intended; see the diffs above)" ;;
*) echo "(exit $rc: the demo itself went wrong)"; exit "$rc" ;;
esac
# Her web page, as a browser signed in with her token would get it.
page=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/learners/ana")
if [ "$page" = 200 ]; then
	echo "her web page answers: $base/learners/ana"
else
	echo "her web page did not answer (HTTP $page)"
fi
cat <<E

Where things are, while a daemon runs:
  the JSON reports     $work/reports/<job>.json (reports_dir), and
                       GET $base/api/v1/learners/ana/reports with her token
  her grades           GET $base/api/v1/learners/ana/grades with her token (the
                       whole class: /api/v1/grades and grades.csv, staff tokens)
  the web pages        $base/ : sign in with her token for her page, $base/learners/ana
                       (staff tokens: the gradebook $base/gradebook; docs/web.md)
  the daemon's log     $work/daemon.log (one JSON line per event)
  its configuration    $work/grader.yaml (docs/operations.md)
(The demo removes its folder when it ends; DEMO_KEEP=1 make demo keeps it.)
Stopping the daemon.
E
