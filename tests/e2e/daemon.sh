# daemon.sh - helpers for the end-to-end tests of `grader serve` (sourced
# after lib.sh): a free port, starting and stopping a daemon on
# $T/grader.yaml with its log in $T/daemon.log, and HTTP requests to it.

sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
base="http://127.0.0.1:$port"
# Extra curl options for every request (e.g. --interface 127.0.0.2).
CURL_OPTS=""

# start_daemon: `grader serve` on $T/grader.yaml in the background (pid in
# $daemon), once /healthz answers.
start_daemon() {
	"$GRADER" serve --config "$T/grader.yaml" 2>>"$T/daemon.log" &
	daemon=$!
	for _ in $(seq 100); do
		curl -sf $CURL_OPTS "$base/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$T/daemon.log" >&2
	fail "the daemon did not answer /healthz"
}
# stop_all: kill -9 of the daemon and its workers.
stop_all() {
	pids=$(pgrep -f "serve --config $T/grader.yaml" || true)
	[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
}

# api METHOD PATH TOKEN [BODY]: the status in $T/code (000: no answer),
# the body in $T/body, the Content-Type in $T/type.
api() {
	set -- "$@" ""
	auth=""
	[ -n "$3" ] && auth="Authorization: Bearer $3"
	curl -s $CURL_OPTS -o "$T/body" -w '%{http_code} %{content_type}' -X "$1" -H "$auth" \
		-H 'Content-Type: application/json' ${4:+--data "$4"} "$base$2" >"$T/reply" || true
	cut -d' ' -f1 "$T/reply" >"$T/code"
	cut -d' ' -f2- "$T/reply" >"$T/type"
}
code_is() { [ "$(cat "$T/code")" = "$1" ] || fail "expected HTTP $1, got $(cat "$T/code"): $(cat "$T/body")"; }
field() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"; }
# is_json: the last reply says application/json and is one JSON value.
is_json() {
	grep -q '^application/json' "$T/type" || fail "the reply is $(cat "$T/type"), not JSON: $(head -c 300 "$T/body")"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/body" 2>/dev/null ||
		fail "the reply is not JSON: $(head -c 300 "$T/body")"
}
wait_state() { # wait_state ID STATE
	for _ in $(seq 300); do
		api GET "/api/v1/submissions/$1" admin-token
		[ "$(field "r['state']")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "job $1 never reached $2: $(cat "$T/body")"
}
# log_has MSG-AND-FIELDS-AS-PYTHON: some line of the daemon's log (JSON)
# makes the expression true (the line is r), e.g.
#   log_has "r['msg'] == 'webhook refused' and r['reason'] == 'malformed'"
log_has() {
	python3 - "$T/daemon.log" "$1" <<'P' || fail "no log line with $1"
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    try:
        if eval(sys.argv[2]):
            sys.exit(0)
    except (KeyError, TypeError):
        pass
sys.exit(1)
P
}

# fizzbuzz_repo: ana's repository, $T/ana.git (pushed from the clone
# $T/work), holding the course's fizzbuzz solution in one commit, whose
# id is then in $commit. Authored as Ana.
fizzbuzz_repo() {
	export GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@example.edu
	export GIT_COMMITTER_NAME=Ana GIT_COMMITTER_EMAIL=ana@example.edu
	git init -q --bare -b main "$T/ana.git"
	git init -q -b main "$T/work"
	mkdir -p "$T/work/python/fizzbuzz"
	cp "$ROOT/exercises/python/fizzbuzz/solution/fizzbuzz.py" "$T/work/python/fizzbuzz/"
	git -C "$T/work" add -A && git -C "$T/work" commit -q -m "feat: fizzbuzz"
	git -C "$T/work" push -q "$T/ana.git" main
	commit=$(git -C "$T/work" rev-parse HEAD)
}
