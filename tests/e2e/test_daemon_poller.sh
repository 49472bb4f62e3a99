# grader serve's pollers end to end: repositories from a roster file, a
# repository that cannot be read backed off (the wait doubles from the
# interval up to max_backoff, read from the log, not timed), the backoff
# starting over after a success, and a roster with a bad line diagnosed at
# its file:line.
. "$(dirname "$0")/lib.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1 # never write repositories into /
command -v curl >/dev/null || fail "curl is needed"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export HOME="$T" GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main
git config --global user.name "Ana Learner"
git config --global user.email ana@example.edu

# ana's repository exists; bob's does not yet
git init -q --bare "$T/ana.git"
git init -q "$T/work"
mkdir -p "$T/work/python/fizzbuzz"
cp "$ROOT/exercises/python/fizzbuzz/solution/fizzbuzz.py" "$T/work/python/fizzbuzz/"
git -C "$T/work" add -A && git -C "$T/work" commit -q -m "feat: fizzbuzz"
git -C "$T/work" push -q "$T/ana.git" main
ana_head=$(git -C "$T/work" rev-parse HEAD)

# a bad roster first: the blank line and the comment count, so the
# diagnostic points at line 4
printf 'learner,url,branch\n\n# a comment\nbob-without-url\n' >"$T/bad.csv"
cat >"$T/bad.yaml" <<Y
state_dir: $T/state
course: $ROOT/exercises
roster: bad.csv
Y
expect_status 2 "$GRADER" serve --config "$T/bad.yaml" --check
contains "$T/err" "bad.csv:4:1"
contains "$T/err" "expected 'learner,repository-url[,branch]'"

printf 'learner,url,branch\nana,%s,main\n\nbob,%s,main\n' "$T/ana.git" "$T/bob.git" >"$T/roster.csv"
cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $ROOT/exercises
workers: 1
listen: 127.0.0.1:$port
poll: { interval: 300ms, max_backoff: 1200ms }
roster: roster.csv
tokens:
  - { name: root, role: admin, token_sha256: $(printf admin-token | sha256sum | cut -d' ' -f1) }
Y
expect_status 0 "$GRADER" serve --config "$T/grader.yaml" --check

"$GRADER" serve --config "$T/grader.yaml" 2>>"$T/daemon.log" &
daemon=$!
trap 'kill -9 $daemon 2>/dev/null || true; rm -rf "$T"' EXIT

# waits FILTER N: until the log has N lines for which FILTER (a Python
# expression over the line's JSON, bound to e) is true; prints them.
waits() {
	for _ in $(seq 300); do
		if python3 - "$T/daemon.log" "$1" "$2" >"$T/lines" <<'P'; then return 0; fi
import json, sys
path, expr, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
got = []
for line in open(path):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if eval(expr):
        got.append(e)
for e in got:
    print(json.dumps(e))
sys.exit(0 if len(got) >= n else 1)
P
		sleep 0.1
	done
	cat "$T/daemon.log" >&2
	fail "the log never had $2 lines matching: $1"
}
bob_failed="e.get('msg') == 'poll failed' and e.get('repo') == '$T/bob.git'"

# bob: the waits after each failure are 0.3, 0.6, 1.2 and then stay at the cap
waits "$bob_failed" 5
seq=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["retry_in_s"] for l in open(sys.argv[1])))' "$T/lines")
case "$seq" in
"0.3 0.6 1.2 1.2 1.2"*) ;;
*) fail "backoff sequence: $seq" ;;
esac
grep -q "$T/bob.git" "$T/lines" || fail "the failure does not name the repository"

# ana: her head was queued by the poller and graded
waits "e.get('msg') == 'submission queued' and e.get('source') == 'poll' and e.get('commit') == '$ana_head'" 1
ana_job=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["job"])' "$T/lines")
for _ in $(seq 300); do
	state=$(curl -s -H 'Authorization: Bearer admin-token' "$base/api/v1/submissions/$ana_job" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("state"))' 2>/dev/null || true)
	[ "$state" = done ] && break
	sleep 0.1
done
[ "$state" = done ] || fail "ana's polled job $ana_job is '$state', not done"

# bob's repository appears: within one capped wait his head is queued
git init -q --bare "$T/bob.git"
git -C "$T/work" push -q "$T/bob.git" main
waits "e.get('msg') == 'submission queued' and e.get('repo') == '$T/bob.git'" 1

# ... and when it goes away again, the backoff starts over at the interval
# (the first failure after it went: by the time the log is read a second,
# doubled wait may follow, so never the last line)
fails_before=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if "poll failed" in l and sys.argv[2] in l))' "$T/daemon.log" "$T/bob.git")
rm -rf "$T/bob.git"
waits "$bob_failed" $((fails_before + 1))
last=$(sed -n "$((fails_before + 1))p" "$T/lines" | python3 -c 'import json,sys; print(json.load(sys.stdin)["retry_in_s"])')
[ "$last" = 0.3 ] || fail "after a success the first wait is $last, not the interval 0.3"

kill -TERM $daemon
wait $daemon || fail "the daemon did not exit cleanly on SIGTERM"
