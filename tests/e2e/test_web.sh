# grader serve's web pages (docs/web.md) in a real headless Chromium,
# driven by tests/e2e/web_check.py, against a daemon with a seeded course:
# learners with hostile names and commit messages, a graded second
# attempt, and a submission held in the queue (its worker stopped) that
# the learner page watches finish. Here, with curl: sign-in's statuses
# and cookie, the security headers on pages, assets and the API, the
# session cookie surviving kill -9 of the daemon, and a forged one
# refused. Screenshots go to $ARTEFACTS (default $T/artefacts; printed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1 # never write repositories into /
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v curl >/dev/null || fail "curl is needed"

have_browser() {
	command -v chromium && command -v chromedriver && /usr/bin/python3 -c 'import selenium'
}
if ! have_browser >/dev/null 2>&1; then
	echo "test_web: chromium, chromedriver or python3-selenium is missing: ci/install-deps.sh" >&2
	sh "$ROOT/ci/install-deps.sh" >&2 || true
	if ! have_browser >/dev/null 2>&1; then
		echo "skip: test_web needs chromium, chromium-driver and python3-selenium (Debian packages), which could not be installed"
		exit 0
	fi
fi
ARTEFACTS=${ARTEFACTS:-$T/artefacts}
mkdir -p "$ARTEFACTS"

# The hostile strings: markup, an attribute break-out, an RTL override.
RLO=$(printf '\342\200\256')
HOSTILE="<script>alert(1)</script>\"><img src=x onerror=alert(1)>${RLO}evil"
HOSTILE_MSG="fix: <script>alert(2)</script> \"><img src=x onerror=alert(3)> ${RLO}gnp.exe"

export GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@example.edu
export GIT_COMMITTER_NAME=Ana GIT_COMMITTER_EMAIL=ana@example.edu
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
# repo NAME SOURCE MESSAGE: a bare remote $T/NAME.git with one commit of
# fizzbuzz.py from SOURCE (solution, wrong/..., or an absolute folder) on
# main; prints the commit.
repo() {
	[ -d "$T/$1.git" ] || git init -q --bare -b main "$T/$1.git"
	[ -d "$T/$1-work" ] || git init -q -b main "$T/$1-work"
	mkdir -p "$T/$1-work/python/fizzbuzz"
	case $2 in /*) src=$2 ;; *) src="$ROOT/exercises/python/fizzbuzz/$2" ;; esac
	cp "$src/fizzbuzz.py" "$T/$1-work/python/fizzbuzz/"
	git -C "$T/$1-work" add -A && git -C "$T/$1-work" commit -q --allow-empty -m "$3"
	git -C "$T/$1-work" push -q "$T/$1.git" main
	git -C "$T/$1-work" rev-parse HEAD
}
repo ana solution "feat: fizzbuzz" >/dev/null
repo bob wrong/off-by-one "wip" >/dev/null
repo hostile solution "$HOSTILE_MSG" >/dev/null
carol_commit=$(repo carol solution "feat: carol's fizzbuzz")

# A course of two exercises in two stages: fizzbuzz passes or fails, cart
# (due 2030-01-15) is missing.
mkdir -p "$T/course/python"
cp -R "$ROOT/exercises/python/fizzbuzz" "$ROOT/exercises/python/cart" "$T/course/python/"
cat >"$T/course/course.yaml" <<Y
title: Web test course
exercises:
  - { path: python/fizzbuzz, stage: 1, order: 1 }
  - { path: python/cart, stage: 2, order: 1, due: "2030-01-15" }
Y
cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $T/course
workers: 1
lease: 10m
listen: 127.0.0.1:$port
poll: { interval: 1h }
repositories:
  - { learner: ana, url: $T/ana.git, branch: main }
  - { learner: bob, url: $T/bob.git, branch: main }
  - { learner: '$HOSTILE', url: $T/hostile.git, branch: main }
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
  - { name: teacher, role: instructor, token_sha256: $(sha instructor-token) }
  - { name: ana, role: learner, learner: ana, token_sha256: $(sha ana-token) }
  - { name: bob, role: learner, learner: bob, token_sha256: $(sha bob-token) }
  - { name: ci, role: ci, token_sha256: $(sha ci-token) }
Y
trap 'kill -CONT $worker 2>/dev/null; stop_all; rm -rf "$T"' EXIT
worker=""
start_daemon

quote() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# graded LEARNER N: waits until LEARNER has N submissions done.
graded() {
	for _ in $(seq 600); do
		api GET "/api/v1/learners/$(quote "$1")/reports" admin-token
		[ "$(field "len([s for s in r['submissions'] if s['state'] == 'done'])")" -ge "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 never had $2 submissions graded: $(head -c 2000 "$T/body")"
}
# the poller grades each repository's head at start
graded ana 1
graded bob 1
graded "$HOSTILE" 1
# ana's second attempt fails: her best and latest differ; it prints
# Buzz first for 15, and "Fizz " with a space at the line's end, which the
# report writes out as "Fizz·" and its legend explains
mkdir -p "$T/fizz-space"
sed 's/print("Fizz")/print("Fizz ")/' "$ROOT/exercises/python/fizzbuzz/wrong/fizz-first/fizzbuzz.py" \
	>"$T/fizz-space/fizzbuzz.py"
ana2=$(repo ana "$T/fizz-space" "refactor: break it")
api POST /api/v1/submissions admin-token "{\"repo\": \"$T/ana.git\", \"commit\": \"$ana2\"}"
code_is 202
graded ana 2

# ---- sign-in, with curl ----
curl -s -o "$T/body" -w '%{http_code}' -d token=not-a-token "$base/login" >"$T/code"
code_is 401
contains "$T/body" "That token is not valid"
curl -s -o "$T/body" -w '%{http_code}' -d token=ci-token "$base/login" >"$T/code"
code_is 403
# another site's form: refused even with a good token
curl -s -o "$T/body" -w '%{http_code}' -H 'Origin: http://evil.example' -d token=instructor-token \
	"$base/login" >"$T/code"
code_is 403
curl -s -D "$T/headers" -o /dev/null -w '%{http_code}' -d token=instructor-token "$base/login" >"$T/code"
code_is 303
grep -qi '^Location: /gradebook' "$T/headers" || fail "sign-in did not send staff to /gradebook: $(cat "$T/headers")"
grep -i '^Set-Cookie: grader_session=' "$T/headers" >"$T/set-cookie" || fail "no session cookie: $(cat "$T/headers")"
for attr in HttpOnly SameSite=Strict Path=/ Max-Age=43200; do
	contains "$T/set-cookie" "$attr"
done
lacks "$T/set-cookie" "Secure" # plain HTTP; behind a TLS proxy it is Secure:
curl -s -D "$T/headers" -o /dev/null -H 'X-Forwarded-Proto: https' -d token=ana-token "$base/login"
grep -i '^Set-Cookie:' "$T/headers" | grep -q 'Secure' || fail "no Secure cookie behind https"
grep -qi '^Location: /learners/ana' "$T/headers" || fail "a learner is not sent to their page"
# a page without a session: to the sign-in page
curl -s -D "$T/headers" -o /dev/null -w '%{http_code}' "$base/gradebook" >"$T/code"
code_is 303
grep -qi '^Location: /' "$T/headers" || fail "no redirect to sign-in: $(cat "$T/headers")"

# ---- security headers on pages, assets and the API ----
csp="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
for path in / /static/app.js /static/app.css /gradebook /healthz /api/v1/grades; do
	curl -s -D "$T/headers" -o "$T/body" -H 'Authorization: Bearer instructor-token' "$base$path"
	tr -d '\r' <"$T/headers" >"$T/h"
	contains "$T/h" "Content-Security-Policy: $csp"
	contains "$T/h" "X-Content-Type-Options: nosniff"
	contains "$T/h" "Referrer-Policy: no-referrer"
	case $path in
	/static/*) contains "$T/h" "Cache-Control: no-cache" ;;
	*) contains "$T/h" "Cache-Control: no-store" ;;
	esac
done
curl -s -D "$T/headers" -o "$T/body" "$base/static/app.js"
tr -d '\r' <"$T/headers" | grep -q '^Content-Type: text/javascript; charset=utf-8' || fail "app.js: $(cat "$T/headers")"
cmp -s "$T/body" "$ROOT/web/app.js" || fail "/static/app.js is not web/app.js"
curl -s -o /dev/null -w '%{http_code}' "$base/static/nothing.js" >"$T/code"
code_is 404
curl -s -o /dev/null -w '%{http_code}' "$base/static/..%2Fweb.c" >"$T/code"
code_is 404
curl -s -o /dev/null -w '%{http_code}' "$base/static/login.html" >"$T/code"
code_is 404 # a page is served at its route, filled in

# ---- a submission held in the queue: its worker stopped ----
# the daemon's own child: a worker's prestarted sandbox init (its child)
# has the worker's command line too
worker=$(pgrep -P "$daemon" -f "serve --config $T/grader.yaml --worker" || true)
[ -n "$worker" ] && [ "$(echo "$worker" | wc -l)" = 1 ] || fail "not one worker process: '$worker'"
kill -STOP "$worker"
api POST /api/v1/submissions admin-token \
	"{\"repo\": \"$T/carol.git\", \"commit\": \"$carol_commit\", \"learner\": \"carol\"}"
code_is 202
api GET /api/v1/learners/carol/reports admin-token
json_is "$T/body" "r['submissions'][0]['state']" queued
# for the operations page: a job that cannot be fetched (it fails once the
# worker runs again) and two webhook deliveries refused for their signature
api POST /api/v1/submissions admin-token \
	"{\"repo\": \"$T/nowhere.git\", \"commit\": \"$carol_commit\", \"learner\": \"carol\"}"
code_is 202
failed_job=$(field "r['id']")
for _ in 1 2; do
	curl -s -o "$T/body" -w '%{http_code}' -H 'X-GitHub-Event: push' -H 'X-Hub-Signature-256: sha256=00' \
		-d '{}' "$base/webhooks/github" >"$T/code"
	code_is 401
done
api GET /api/v1/ops admin-token
json_is "$T/body" "[w['deliveries'] for w in r['webhooks_refused'] if w['reason'] == 'bad-signature']" "[2]"
api GET /api/v1/ops instructor-token
code_is 403
# what the gradebook's CSV link must return
curl -s -H 'Authorization: Bearer instructor-token' "$base/api/v1/grades.csv" >"$T/expected.csv"
contains "$T/expected.csv" "learner,exercise,check"

# ---- the browser ----
BASE=$base ARTEFACTS=$ARTEFACTS HOSTILE=$HOSTILE HOSTILE_MSG=$HOSTILE_MSG WORKER_PID=$worker \
	EXPECTED_CSV=$T/expected.csv COOKIE_OUT=$T/cookie WORK=$T FAILED_JOB=$failed_job \
	/usr/bin/python3 "$ROOT/tests/e2e/web_check.py" || fail "web_check.py failed (screenshots in $ARTEFACTS)"
echo "test_web: screenshots in $ARTEFACTS"

# ---- the session survives kill -9 of the daemon; a forged one does not ----
cookie=$(cat "$T/cookie")
kill -9 "$daemon"
wait "$daemon" 2>/dev/null || true
stop_all
start_daemon
curl -s -o "$T/body" -w '%{http_code}' -b "grader_session=$cookie" "$base/api/v1/session" >"$T/code"
code_is 200
json_is "$T/body" "r['name']" teacher
forged=$(printf '%s' "$cookie" | sed 's/^[0-9]*/9999999999/')
curl -s -o "$T/body" -w '%{http_code}' -b "grader_session=$forged" "$base/api/v1/session" >"$T/code"
code_is 401
contains "$T/body" "sign in again"
echo "test_web: ok"
