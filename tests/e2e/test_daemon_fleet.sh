# A fleet: two `grader serve` daemons (two workers each) share one
# PostgreSQL queue and drain 1,000 queued jobs together: every job done,
# each graded by exactly one worker, one stored report per job, and both
# daemons took part. Uses $GRADER_TEST_PG (CI starts one server) or a
# throwaway cluster of its own (tests/pg.sh).
. "$(dirname "$0")/lib.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1
command -v curl >/dev/null || fail "curl is needed"
N=${FLEET_JOBS:-1000}

own_pg=""
url=${GRADER_TEST_PG:-}
if [ -z "$url" ]; then
	url=$(sh "$ROOT/tests/pg.sh" start 2>"$T/pg.log") || {
		cat "$T/pg.log" >&2
		fail "no PostgreSQL: set GRADER_TEST_PG or install postgresql"
	}
	own_pg=$(printf '%s\n' "$url" | sed -n 's/.*host=\([^&]*\).*/\1/p')
fi
psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -n 1)
[ -n "$psql" ] || fail "psql not found"
schema="fleet_$$"
"$psql" -q "$url" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" ||
	fail "cannot create schema $schema"
case $url in *\?*) queue="$url&options=-csearch_path%3D$schema" ;; *) queue="$url?options=-csearch_path%3D$schema" ;; esac
sql() { "$psql" -qtA "$queue" -c "$1"; }

cleanup() {
	pids=$(pgrep -f "serve --config $T/d[12].yaml" || true)
	[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
	"$psql" -q "$url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	[ -z "$own_pg" ] || sh "$ROOT/tests/pg.sh" stop "$own_pg" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT

# A one-check course, so the run measures the fleet rather than grading.
mkdir -p "$T/course/echo"
printf 'title: Fleet\nexercises:\n  - { path: echo }\n' >"$T/course/course.yaml"
cat >"$T/course/echo/exercise.yaml" <<'Y'
id: fleet/echo
title: Echo
kind: io
run: [cat]
checks:
  - name: echoes
    stdin: "hello\n"
    expect: { stdout: "hello\n" }
Y

# One repository with N commits (same tree, distinct commits).
export GIT_AUTHOR_NAME=Fleet GIT_AUTHOR_EMAIL=fleet@example.edu
export GIT_COMMITTER_NAME=Fleet GIT_COMMITTER_EMAIL=fleet@example.edu
git init -q -b main "$T/repo"
mkdir -p "$T/repo/echo" && echo "nothing to submit" >"$T/repo/echo/README"
git -C "$T/repo" add -A && git -C "$T/repo" commit -q -m "chore: start"
tree=$(git -C "$T/repo" rev-parse 'HEAD^{tree}')
parent=$(git -C "$T/repo" rev-parse HEAD)
: >"$T/commits"
i=0
while [ $i -lt "$N" ]; do
	parent=$(echo "chore: commit $i" | git -C "$T/repo" commit-tree "$tree" -p "$parent")
	echo "$parent" >>"$T/commits"
	i=$((i + 1))
done
git -C "$T/repo" update-ref refs/heads/main "$parent"

sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1=$(free_port)
p2=$(free_port)
for d in 1 2; do
	eval "port=\$p$d"
	cat >"$T/d$d.yaml" <<Y
state_dir: $T/state$d
course: $T/course
workers: 2
queue: "$queue"
listen: 127.0.0.1:$port
lease: 30s
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
Y
	"$GRADER" serve --config "$T/d$d.yaml" 2>"$T/d$d.log" &
done
for port in $p1 $p2; do
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$T"/d*.log >&2; fail "daemon on $port did not start"; }
done

# Queue every job through the API of daemon 1 (bulk: a regrade).
python3 - "$p1" "$T/repo" "$T/commits" <<'P' || fail "enqueueing failed"
import http.client, json, sys
port, repo, commits = int(sys.argv[1]), sys.argv[2], open(sys.argv[3]).read().split()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
ids = set()
for h in commits:
    body = json.dumps({"learner": "fleet", "repo": repo, "ref": "refs/heads/main",
                       "commit": h, "priority": "bulk"})
    c.request("POST", "/api/v1/submissions", body,
              {"Authorization": "Bearer admin-token", "Content-Type": "application/json"})
    r = c.getresponse()
    data = json.loads(r.read())
    if r.status != 202:
        sys.exit(f"HTTP {r.status}: {data}")
    ids.add(data["id"])
if len(ids) != len(commits):
    sys.exit(f"{len(commits)} submissions made {len(ids)} jobs")
P

start=$(date +%s)
deadline=$((start + 240))
while :; do
	done_n=$(sql "SELECT COUNT(*) FROM jobs WHERE state = 'done'")
	[ "$done_n" = "$N" ] && break
	[ "$(date +%s)" -lt "$deadline" ] || fail "only $done_n of $N jobs done after 240 s"
	sleep 1
done
secs=$(($(date +%s) - start))
echo "drained $N jobs with 2 daemons x 2 workers in ${secs}s"

reports=$(sql "SELECT COUNT(*) FROM reports")
[ "$reports" = "$N" ] || fail "$reports reports stored for $N jobs"
other=$(sql "SELECT COUNT(*) FROM jobs WHERE state <> 'done'")
[ "$other" = 0 ] || fail "$other jobs not done"
retried=$(sql "SELECT COUNT(*) FROM jobs WHERE attempts <> 1")
[ "$retried" = 0 ] || fail "$retried jobs were leased more than once"
g1=$(grep -c '"msg":"graded"' "$T/d1.log" || true)
g2=$(grep -c '"msg":"graded"' "$T/d2.log" || true)
[ $((g1 + g2)) = "$N" ] || fail "graded $g1 + $g2 times for $N jobs"
[ "$g1" -gt 0 ] && [ "$g2" -gt 0 ] || fail "one daemon did all the work ($g1 / $g2)"
echo "daemon 1 graded $g1, daemon 2 graded $g2"
