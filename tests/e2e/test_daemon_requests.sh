# grader serve, what it makes of requests: submission bodies that two
# readers could read differently (a NUL, text after the object, a key
# twice) are 400 with the reason; ids only in canonical decimal; every
# reply the daemon makes is JSON; every webhook delivery that queues
# nothing is logged with its reason; API submissions of several commits
# are each graded while pushes of one branch coalesce. Against a running
# daemon, with a real repository and signed GitHub deliveries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1 # never write repositories into /
command -v curl >/dev/null || fail "curl is needed"

export GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@example.edu
export GIT_COMMITTER_NAME=Ana GIT_COMMITTER_EMAIL=ana@example.edu
git init -q --bare -b main "$T/ana.git"
git init -q -b main "$T/work"
mkdir -p "$T/work/python/fizzbuzz"
F="$T/work/python/fizzbuzz/fizzbuzz.py"
# commit [SLEEP]: a passing fizzbuzz commit (that sleeps SLEEP s first),
# pushed to main; prints it (it runs in a subshell: n is counted by git)
commit() {
	n=$(git -C "$T/work" rev-list --count HEAD 2>/dev/null || echo 0)
	{ [ -z "${1:-}" ] || printf 'import time\ntime.sleep(%s)\n' "$1"
	  cat "$ROOT/exercises/python/fizzbuzz/solution/fizzbuzz.py"
	  echo "# $n"; } >"$F"
	git -C "$T/work" add -A && git -C "$T/work" commit -q -m "feat: fizzbuzz $n"
	git -C "$T/work" push -q "$T/ana.git" main
	git -C "$T/work" rev-parse HEAD
}
c0=$(commit)
export GH_SECRET="hook-secret"
cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $ROOT/exercises
workers: 1
listen: 127.0.0.1:$port
max_body: 64KiB
poll: { interval: 1h }
webhooks:
  github: { secret_env: GH_SECRET }
repositories:
  - { learner: ana, url: $T/ana.git, branch: main }
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
  - { name: ci, role: ci, token_sha256: $(sha ci-token) }
Y
trap 'stop_all; rm -rf "$T"' EXIT
start_daemon

# raw FILE: POST the bytes of FILE as a submission (admin)
raw() {
	curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer admin-token" \
		-H 'Content-Type: application/json' --data-binary @"$1" "$base/api/v1/submissions" >"$T/code" || true
	printf 'application/json' >"$T/type" # checked by is_json below from the body
}
ok='{"repo": "'"$T/ana.git"'", "commit": "'"$c0"'", "exercises": ["python/fizzbuzz"]}'

# ---- bodies: one JSON object, each key once, no NUL ----
api POST /api/v1/submissions admin-token "$ok"
code_is 202
first=$(field "r['id']")
api POST /api/v1/submissions admin-token "$ok trailing"
code_is 400
is_json
json_is "$T/body" "r['error']" "body:1:$((${#ok} + 2)): text after the JSON value"
api POST /api/v1/submissions admin-token "$ok$ok"
code_is 400
contains "$T/body" "text after the JSON value"
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'", "commit": "'"$c0"'", "repo": "https://evil.example/x.git"}'
code_is 400
json_is "$T/body" "r['error']" 'body: key "repo" appears twice'
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'\u0000/../bob.git", "commit": "'"$c0"'"}'
code_is 400
contains "$T/body" 'a string holds \\u0000'
printf '{"repo": "%s\0/../bob.git", "commit": "%s"}' "$T/ana.git" "$c0" >"$T/nul.json"
[ "$(tr -cd '\000' <"$T/nul.json" | wc -c)" = 1 ] || fail "the body has no NUL byte"
raw "$T/nul.json"
code_is 400
json_is "$T/body" "r['error']" "body: contains a NUL byte"
# none of them queued anything: the only job of ana's is the first
api GET /api/v1/learners/ana/reports admin-token
json_is "$T/body" "sorted(s['id'] for s in r['submissions'] if s['commit'] == '$c0' and s.get('ref') == 'HEAD')" "[$first]"

# ---- ids: canonical decimal only ----
api GET "/api/v1/submissions/$first" admin-token
code_is 200
json_is "$T/body" "r['id']" "$first"
for bad in "+$first" "0$first" "%20$first" "$first%20" "-$first" "0" "${first}x" "99999999999999999999"; do
	api GET "/api/v1/submissions/$bad" admin-token
	code_is 400
	is_json
	contains "$T/body" "is not a submission id"
done

# ---- every reply the daemon makes is JSON ----
api GET /nowhere admin-token
code_is 404
is_json
api PUT /healthz ""
code_is 405
is_json
api GET /api/v1/submissions/1 ""
code_is 401
is_json
api GET /metrics ci-token
code_is 403
is_json
python3 -c 'import sys; print("{\"repo\": \"" + "x" * 70000 + "\"}")' >"$T/big.json"
raw "$T/big.json"
code_is 413
is_json
# libmicrohttpd's own refusal of headers over its buffer is its HTML page
# (docs/operations.md, HTTP API); the daemon answers JSON again right after
curl -s -o "$T/body" -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" \
	"$base/healthz" >"$T/code" || true
code_is 431
api GET /healthz ""
code_is 200
is_json

# ---- webhook deliveries that queue nothing are logged with their reason ----
# hook EVENT FILE: a GitHub delivery of FILE signed with the secret
hook() {
	sig=$(python3 -c 'import hmac,hashlib,os,sys; print("sha256="+hmac.new(os.environ["GH_SECRET"].encode(), open(sys.argv[1],"rb").read(), hashlib.sha256).hexdigest())' "$2")
	curl -s -o "$T/body" -w '%{http_code}' -X POST -H "X-GitHub-Event: $1" \
		-H "X-Hub-Signature-256: ${3:-$sig}" -H 'Content-Type: application/json' \
		--data-binary @"$2" "$base/webhooks/github" >"$T/code" || true
	printf 'application/json' >"$T/type"
}
# push REPO REF AFTER: a push body from the real GitHub delivery fixture
push() {
	python3 - "$ROOT/tests/fixtures/webhooks/github/push-branch-created.json" "$@" <<'P'
import json, sys
path, repo, ref, after = sys.argv[1:5]
d = json.load(open(path))
d.update(ref=ref, after=after, before="0" * 40)
d.pop("deleted", None)
d["repository"]["clone_url"] = repo
print(json.dumps(d))
P
}
refused() { # refused REASON: the log has a "webhook refused" line with it
	for _ in $(seq 30); do grep -q "\"reason\":\"$1\"" "$T/daemon.log" && break; sleep 0.1; done
	log_has "r['msg'] == 'webhook refused' and r['forge'] == 'github' and r['reason'] == '$1' and r['error'] != ''"
}
push "$T/ana.git" refs/heads/main "$c0" >"$T/push.json"
hook push "$T/push.json" "sha256=$(printf '%064d' 0)"
code_is 401
refused bad-signature
push "$T/elsewhere.git" refs/heads/main "$c0" >"$T/unknown.json"
hook push "$T/unknown.json"
code_is 200
is_json
refused unknown-repository
grep '"reason":"unknown-repository"' "$T/daemon.log" | grep -qF "$T/elsewhere.git" ||
	fail "the unknown repository's URL is not in its log line"
push "$T/ana.git" refs/heads/dev "$c0" >"$T/dev.json"
hook push "$T/dev.json"
code_is 200
refused other-branch
printf '{"ref": "refs/heads/main", "after": ' >"$T/cut.json"
hook push "$T/cut.json"
code_is 400
is_json
refused malformed
grep '"reason":"malformed"' "$T/daemon.log" | grep -q 'invalid JSON' ||
	fail "the malformed delivery's log line does not say what was wrong"
printf '{"zen": "Keep it logically awesome.", "hook_id": 1}' >"$T/ping.json"
hook ping "$T/ping.json"
code_is 200
refused unsupported-event
# ... and an accepted one is not refused
hook push "$T/push.json"
code_is 202
[ "$(grep -c '"msg":"webhook refused"' "$T/daemon.log")" = 5 ] ||
	fail "expected 5 refused deliveries in the log: $(grep '"webhook refused"' "$T/daemon.log")"

# ---- API submissions of several commits are each graded; pushes coalesce ----
slow=$(commit 3)
api POST /api/v1/submissions admin-token '{"repo": "'"$T/ana.git"'", "commit": "'"$slow"'", "exercises": ["python/fizzbuzz"]}'
code_is 202
slow_job=$(field "r['id']")
wait_state "$slow_job" running # the one worker is busy for 3 s
ids=""
for k in 1 2 3; do
	c=$(commit)
	# a CI submitting commit after commit, without a ref
	api POST /api/v1/submissions ci-token '{"repo": "'"$T/ana.git"'", "commit": "'"$c"'", "exercises": ["python/fizzbuzz"]}'
	code_is 202
	ids="$ids $(field "r['id']"):$c"
done
p1=$(commit)
push "$T/ana.git" refs/heads/main "$p1" >"$T/p1.json"
hook push "$T/p1.json"
code_is 202
push1=$(field "r['id']")
p2=$(commit)
push "$T/ana.git" refs/heads/main "$p2" >"$T/p2.json"
hook push "$T/p2.json"
code_is 202
push2=$(field "r['id']")
api GET "/api/v1/submissions/$push1" admin-token
json_is "$T/body" "r['state']" superseded
for entry in $ids; do
	api GET "/api/v1/submissions/${entry%%:*}" admin-token
	json_is "$T/body" "r['state'] in ('queued', 'running', 'done')" True
done
for entry in $ids; do
	wait_state "${entry%%:*}" done
	json_is "$T/body" "r['report']['submission']['commit']" "${entry#*:}"
	json_is "$T/body" "r['report']['status']" passed
done
wait_state "$push2" done
json_is "$T/body" "r['report']['submission']['commit']" "$p2"
