# grader serve end to end: a real repository and real pushes, the HTTP
# API with its roles, webhooks built from real GitHub, GitLab and Gitea
# delivery bodies (tampered and unsigned ones refused), /metrics, kill -9
# of the workers and of the whole daemon in mid-grading with no job lost
# and none graded twice, SIGHUP with a bad configuration, and a clean
# SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1 # never write repositories into /
command -v curl >/dev/null || fail "curl is needed"

# The learner's repository: a bare remote and a clone to push from.
fizzbuzz_repo
first=$commit

export GH_SECRET="It's a Secret to Everybody"
export CB_SECRET="callback-secret"
export GL_TOKEN="gitlab-token"
export GT_SECRET="gitea-secret"

# A receiver for report callbacks: it keeps each body and its headers.
cbport=$(free_port)
mkdir -p "$T/callbacks"
python3 - "$cbport" "$T/callbacks" <<'P' &
import http.server, json, sys
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        job = self.headers.get("X-Grader-Job", "none")
        open(f"{out}/{job}.json", "wb").write(body)
        open(f"{out}/{job}.sig", "w").write(self.headers.get("X-Grader-Signature", ""))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
P
receiver=$!
cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $ROOT/exercises
workers: 2
listen: 127.0.0.1:$port
lease: 4s
max_attempts: 5
reports_dir: $T/reports
callback: { url: "http://127.0.0.1:$cbport/hook", secret_env: CB_SECRET }
poll: { interval: 1s }
webhooks:
  github: { secret_env: GH_SECRET }
  gitlab: { secret_env: GL_TOKEN }
  gitea: { secret_env: GT_SECRET }
repositories:
  - { learner: ana, url: $T/ana.git, branch: main }
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
  - { name: ana, role: learner, learner: ana, token_sha256: $(sha ana-token) }
  - { name: bob, role: learner, learner: bob, token_sha256: $(sha bob-token) }
  - { name: ci, role: ci, token_sha256: $(sha ci-token) }
Y

expect_status 0 "$GRADER" serve --config "$T/grader.yaml" --check
contains "$T/out" "ok (25 exercises"

trap 'stop_all; kill "$receiver" 2>/dev/null || true; rm -rf "$T"' EXIT

start_daemon

# ---- the API and its roles ----
api GET /healthz ""
code_is 200
api GET /api/v1/submissions/1 ""
code_is 401
api GET /api/v1/submissions/1 wrong-token
code_is 401
api POST /api/v1/submissions admin-token '{"learner": "ana", "repo": "'"$T/ana.git"'", "ref": "refs/heads/main", "exercises": ["python/fizzbuzz"]}'
code_is 202
job1=$(field "r['id']")
wait_state "$job1" done
json_is "$T/body" "r['report']['status']" passed
json_is "$T/body" "r['report']['submission']['commit']" "$first"
json_is "$T/body" "r['report']['exercises'][0]['id']" python/fizzbuzz
[ -f "$T/reports/$job1.json" ] || fail "the report file was not written"
# the callback received the report, signed with HMAC-SHA256 of its body
for _ in $(seq 50); do [ -s "$T/callbacks/$job1.sig" ] && break; sleep 0.1; done
[ -s "$T/callbacks/$job1.json" ] || fail "no callback for job $job1"
python3 -c 'import hmac,hashlib,json,os,sys
body=open(sys.argv[1],"rb").read(); sig=open(sys.argv[2]).read()
want="sha256="+hmac.new(os.environ["CB_SECRET"].encode(),body,hashlib.sha256).hexdigest()
assert hmac.compare_digest(sig, want), (sig, want)
assert json.loads(body)["schema"] == "grader.report/1"' "$T/callbacks/$job1.json" "$T/callbacks/$job1.sig" ||
	fail "the callback signature does not verify"
# the gradebook has ana's grade, as JSON and as CSV for an LMS
api GET /api/v1/grades admin-token
code_is 200
json_is "$T/body" "r['learners'][0]['learner']" ana
json_is "$T/body" "r['learners'][0]['exercises']['python/fizzbuzz']['latest']" 10
json_is "$T/body" "r['learners'][0]['exercises']['python/fizzbuzz']['attempts']" 1
json_is "$T/body" "r['learners'][0]['exercises']['python/fizzbuzz']['checks']['n = 15']['status']" passed
json_is "$T/body" "len(r['exercises'])" 25
api GET /api/v1/grades.csv admin-token
code_is 200
grep -q '^text/csv' "$T/type" || fail "the CSV is $(cat "$T/type")"
head -1 "$T/body" | grep -q '^learner,exercise,check,latest_score,best_score,max_score,status,attempts,first_graded,last_graded,pending' ||
	fail "CSV header: $(head -1 "$T/body")"
grep -q '^ana,python/fizzbuzz,,10,10,10,passed,1,' "$T/body" || fail "no total row for ana: $(cat "$T/body")"
grep -q "^ana,python/fizzbuzz,n = 15,3,3,3,passed,1," "$T/body" || fail "no check row for ana: $(cat "$T/body")"
api GET /api/v1/learners/ana/grades ana-token
code_is 200
json_is "$T/body" "[l['learner'] for l in r['learners']]" "['ana']"
# a page of the gradebook: ana is learner 0 of 1; offset 1 is past her
api GET "/api/v1/grades?offset=0&limit=1" admin-token
code_is 200
json_is "$T/body" "(r['total_learners'], r['limit'], [l['learner'] for l in r['learners']])" "(1, 1, ['ana'])"
api GET "/api/v1/grades?offset=1&limit=1" admin-token
code_is 200
json_is "$T/body" "(r['total_learners'], r['learners'])" "(1, [])"
api GET "/api/v1/grades?limit=-1" admin-token
code_is 400
contains "$T/body" "limit must be a whole number from 0 to 10000"
# the exercise's statistics, from the grades as they arrived
api GET "/api/v1/stats?exercise=python/fizzbuzz" admin-token
code_is 200
json_is "$T/body" "(r['learners'], r['passed'], r['pass_rate'], r['histogram'][9]['learners'])" "(1, 1, 1, 1)"
json_is "$T/body" "(r['attempts_to_pass'][0]['learners'], r['mean_attempts_to_pass'], r['most_failed_first'])" "(1, 1, None)"
json_is "$T/body" "[c['pass_rate'] for c in r['checks'] if c['name'] == 'n = 15']" "[1]"
api GET "/api/v1/stats?exercise=python/nothing" admin-token
code_is 404
api GET /api/v1/stats admin-token
code_is 400
# the same submission again is the same job
api POST /api/v1/submissions admin-token '{"learner": "ana", "repo": "'"$T/ana.git"'", "commit": "'"$first"'", "exercises": ["python/fizzbuzz"]}'
code_is 202
api POST /api/v1/submissions admin-token '{"repo": 42}'
code_is 400
contains "$T/body" '\"repo\" must be a non-empty string'
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'", "comit": "'"$first"'"}'
code_is 400
contains "$T/body" 'unknown key \"comit\" (did you mean \"commit\"?)'
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'", "ref": "main..x"}'
code_is 400
contains "$T/body" "is not a valid Git reference name"
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'", "exercises": ["nope/x"]}'
code_is 400
contains "$T/body" "unknown exercise nope/x"
# a CI token may submit a configured repository, not an arbitrary URL
api POST /api/v1/submissions ci-token '{"repo": "https://evil.example/x.git"}'
code_is 403
# learners: their own jobs, redacted; nobody else's
api GET "/api/v1/submissions/$job1" ana-token
code_is 200
hidden="[c for c in r['report']['exercises'][0]['checks'] if c['hidden']]"
json_is "$T/body" "len($hidden) > 0 and all('input' not in c and 'diff' not in c for c in $hidden)" True
api GET "/api/v1/submissions/$job1" admin-token
json_is "$T/body" "all('input' in c for c in $hidden)" True
api GET "/api/v1/submissions/$job1" bob-token
code_is 404
other_job=$(cat "$T/body")
# an id that does not exist gets the same answer, so ids reveal nothing
api GET /api/v1/submissions/999999 bob-token
code_is 404
[ "$(cat "$T/body")" = "$(printf '%s' "$other_job" | sed "s/$job1/999999/")" ] ||
	fail "a missing id is told apart from someone else's: $(cat "$T/body") vs $other_job"
api GET /api/v1/submissions/999999 admin-token
code_is 404
api GET /api/v1/learners/ana/reports bob-token
code_is 403
api GET /api/v1/learners/ana/reports ana-token
code_is 200
json_is "$T/body" "r['submissions'][0]['id']" "$job1"
api GET /metrics ana-token
code_is 403
api GET /nowhere admin-token
code_is 404
# a client that goes away mid-request: libmicrohttpd's complaint is a JSON
# log line like every other, not plain text among them
python3 - "${base#http://}" <<'P'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
time.sleep(0.5)  # the server reads the partial request before the close
s.close()
P
for _ in $(seq 50); do grep -q 'incomplete request' "$T/daemon.log" && break; sleep 0.1; done
python3 - "$T/daemon.log" <<'P' || fail "the daemon's log has lines that are not JSON"
import json, sys
seen = False
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
    try:
        r = json.loads(line)
    except ValueError:
        sys.exit("line %d is not JSON: %r" % (n, line[:200]))
    seen = seen or "incomplete request" in r.get("detail", "")
if not seen:
    sys.exit("libmicrohttpd's message about the cut request was not logged")
P

# ---- a push arrives by webhook ----
# fixture FILE AFTER BEFORE: a real delivery body from tests/fixtures/webhooks
# (every field the forge sends), pointed at this test's repository and push.
FIXTURES="$ROOT/tests/fixtures/webhooks"
[ -d "$FIXTURES" ] || fail "no webhook fixtures at $FIXTURES"
fixture() {
	python3 - "$FIXTURES/$1" "$T/ana.git" "$2" "$3" <<'P'
import json, sys
path, repo, after, before = sys.argv[1:5]
d = json.load(open(path))
d.update(ref="refs/heads/main", after=after, before=before)
d.pop("deleted", None)
for key in ("repository", "project"):
    r = d.get(key)
    if not isinstance(r, dict):
        continue
    for f in ("clone_url", "git_http_url", "http_url"):
        if f in r:
            r[f] = repo
    for f in ("full_name", "path_with_namespace"):
        if f in r:
            r[f] = "ana/work"
if "checkout_sha" in d:
    d["checkout_sha"] = after
print(json.dumps(d, indent=2))
P
}
echo "# more" >>"$T/work/python/fizzbuzz/fizzbuzz.py"
git -C "$T/work" commit -q -am "fix: comment" && git -C "$T/work" push -q "$T/ana.git" main
second=$(git -C "$T/work" rev-parse HEAD)
fixture github/push-branch-created.json "$second" "$first" >"$T/push.json"
sig=$(python3 -c 'import hmac,hashlib,os,sys; print("sha256="+hmac.new(os.environ["GH_SECRET"].encode(), open(sys.argv[1],"rb").read(), hashlib.sha256).hexdigest())' "$T/push.json")
hook() { # hook SIGNATURE-HEADER-OR-EMPTY
	curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'X-GitHub-Event: push' \
		-H 'Content-Type: application/json' ${1:+-H "X-Hub-Signature-256: $1"} \
		--data-binary @"$T/push.json" "$base/webhooks/github" >"$T/code"
}
hook ""
code_is 401
hook "sha256=$(printf '%064d' 0)"
code_is 401
hook "$sig"
code_is 202
job2=$(field "r['id']")
wait_state "$job2" done
json_is "$T/body" "r['report']['submission']['commit']" "$second"
grep -q '"job":'"$job2" "$T/daemon.log" || fail "the log has no line for job $job2"

# ... and one by GitLab's token-authenticated hook
echo "# gitlab" >>"$T/work/python/fizzbuzz/fizzbuzz.py"
git -C "$T/work" commit -q -am "fix: another comment" && git -C "$T/work" push -q "$T/ana.git" main
third=$(git -C "$T/work" rev-parse HEAD)
fixture gitlab/push.json "$third" "$second" >"$T/gl.json"
glhook() {
	curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'X-Gitlab-Event: Push Hook' \
		-H "X-Gitlab-Token: $1" -H 'Content-Type: application/json' \
		--data-binary @"$T/gl.json" "$base/webhooks/gitlab" >"$T/code"
}
glhook wrong-token
code_is 401
glhook "$GL_TOKEN"
code_is 202
job_gl=$(field "r['id']")
wait_state "$job_gl" done
json_is "$T/body" "r['report']['submission']['commit']" "$third"

# ... and one by Gitea's, signed like GitHub's but without the "sha256=" prefix
echo "# gitea" >>"$T/work/python/fizzbuzz/fizzbuzz.py"
git -C "$T/work" commit -q -am "fix: a third comment" && git -C "$T/work" push -q "$T/ana.git" main
fourth=$(git -C "$T/work" rev-parse HEAD)
fixture gitea/push.json "$fourth" "$third" >"$T/gitea.json"
gtsig=$(python3 -c 'import hmac,hashlib,os,sys; print(hmac.new(os.environ["GT_SECRET"].encode(), open(sys.argv[1],"rb").read(), hashlib.sha256).hexdigest())' "$T/gitea.json")
gthook() {
	curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'X-Gitea-Event: push' \
		-H 'Content-Type: application/json' ${1:+-H "X-Gitea-Signature: $1"} \
		--data-binary @"$T/gitea.json" "$base/webhooks/gitea" >"$T/code"
}
gthook ""
code_is 401
gthook "$sig" # GitHub's signature of another body
code_is 401
gthook "$gtsig"
code_is 202
job_gt=$(field "r['id']")
wait_state "$job_gt" done
json_is "$T/body" "r['report']['submission']['commit']" "$fourth"
# the poller noticed the branch heads by itself as well
grep -q '"source":"poll"' "$T/daemon.log" || fail "the poller queued nothing"

api GET /metrics admin-token
code_is 200
contains "$T/body" 'grader_jobs{state="done"}'
contains "$T/body" 'grader_sandbox_verdicts_total{verdict="ok"}'
contains "$T/body" 'grader_grading_duration_seconds_count'

# ---- kill -9 of every worker in mid-grading: the job is taken again ----
slow() { # a fizzbuzz that takes ~2 s, committed and pushed; prints the commit
	printf 'import time\ntime.sleep(2)\n# %s\n' "$1" >"$T/work/python/fizzbuzz/slow.py"
	cat "$ROOT/exercises/python/fizzbuzz/solution/fizzbuzz.py" >>"$T/work/python/fizzbuzz/slow.py"
	cp "$T/work/python/fizzbuzz/slow.py" "$T/work/python/fizzbuzz/fizzbuzz.py"
	git -C "$T/work" commit -q -am "perf: $1" && git -C "$T/work" push -q "$T/ana.git" main
	git -C "$T/work" rev-parse HEAD
}
c3=$(slow three)
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'", "commit": "'"$c3"'", "exercises": ["python/fizzbuzz"]}'
job3=$(field "r['id']")
wait_state "$job3" running
sleep 0.5
workers=$(pgrep -f "serve --config $T/grader.yaml --worker" || true)
[ -n "$workers" ] || fail "no worker processes to kill"
kill -9 $workers
wait_state "$job3" done
[ "$(field "r['attempts']")" -ge 2 ] || fail "job $job3 was not taken again: $(cat "$T/body")"

# ---- kill -9 of the whole daemon in mid-grading, then a restart ----
c4=$(slow four)
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'", "commit": "'"$c4"'", "exercises": ["python/fizzbuzz"]}'
job4=$(field "r['id']")
wait_state "$job4" running
stop_all
sleep 0.3
[ -z "$(pgrep -f "serve --config $T/grader.yaml")" ] || fail "daemon processes survived kill -9"
start_daemon
wait_state "$job4" done
json_is "$T/body" "r['report']['submission']['commit']" "$c4"

# The restarted poller may still be grading the branch head it queued:
# wait for an idle queue (up to 60 s; a lost job stays queued or running
# and fails the check below).
for _ in $(seq 600); do
	[ "$(sqlite3 "$T/state/queue.db" "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")" = 0 ] && break
	sleep 0.1
done
# every job done once, one stored report per done job (the poller has
# queued the branch heads too), and each of ours has exactly one
n=$(sqlite3 "$T/state/queue.db" "SELECT COUNT(*) FROM reports")
d=$(sqlite3 "$T/state/queue.db" "SELECT COUNT(*) FROM jobs WHERE state = 'done'")
[ "$n" = "$d" ] || fail "$d done jobs but $n stored reports"
mine=$(sqlite3 "$T/state/queue.db" "SELECT COUNT(*) FROM reports WHERE job_id IN ($job1, $job2, $job_gl, $job3, $job4)")
[ "$mine" = 5 ] || fail "expected one report for each of jobs $job1 $job2 $job_gl $job3 $job4, got $mine"
left=$(sqlite3 "$T/state/queue.db" "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running', 'failed')")
[ "$left" = 0 ] || fail "$left jobs lost or failed: $(sqlite3 "$T/state/queue.db" "SELECT id, state, error FROM jobs WHERE state != 'done'")"

# ---- SIGHUP with a broken configuration keeps the old one ----
cp "$T/grader.yaml" "$T/good.yaml"
echo "workerz: 3" >>"$T/grader.yaml"
echo "lease: soon" >>"$T/grader.yaml"
expect_status 2 "$GRADER" serve --config "$T/grader.yaml" --check
cp "$T/err" "$T/check.txt"
contains "$T/check.txt" "workerz"
contains "$T/check.txt" "lease"
kill -HUP "$daemon"
for _ in $(seq 50); do grep -q 'reload refused' "$T/daemon.log" && break; sleep 0.1; done
# the refusal carries what `serve --check` prints, line for line
python3 - "$T/daemon.log" "$T/check.txt" <<'P' || fail "the refused reload did not log the diagnostics --check prints"
import json, sys
want = open(sys.argv[2]).read().rstrip("\n")
lines = [json.loads(l) for l in open(sys.argv[1])]
refused = [r for r in lines if r["msg"] == "reload refused: the old configuration stays"]
assert refused, "no 'reload refused' line"
assert refused[-1]["level"] == "error", refused[-1]
assert refused[-1]["diagnostics"] == want, (refused[-1]["diagnostics"], want)
P
api GET /healthz ""
code_is 200
cp "$T/good.yaml" "$T/grader.yaml"

# ---- SIGTERM: a clean stop ----
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
[ "$rc" = 0 ] || fail "the daemon exited $rc after SIGTERM"
sleep 0.3
[ -z "$(pgrep -f "serve --config $T/grader.yaml")" ] || fail "workers outlived the supervisor"
