# grader serve under slow clients: 1,000 connections from one address,
# each sending one header line every 5 s and never finishing its request
# (tests/e2e/slow_clients.py), while /healthz and an authenticated request
# from another address (127.0.0.2) must keep answering within 2 s. The
# daemon's defaults do it: at most max_client_connections (32) per client
# address, the rest closed at once; a total of max_connections (1000).
# Prints the latencies it measured.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1
command -v curl >/dev/null || fail "curl is needed"

CLIENTS=${CLIENTS:-1000}
SECONDS_OF_FLOOD=${SECONDS_OF_FLOOD:-16}
cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $ROOT/exercises
workers: 1
listen: 127.0.0.1:$port
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
Y
# the test's own requests come from 127.0.0.2, an address of its own
CURL_OPTS="--interface 127.0.0.2 --max-time 5"
trap 'stop_all; [ -z "${flood:-}" ] || kill "$flood" 2>/dev/null; rm -rf "$T"' EXIT
start_daemon

python3 "$ROOT/tests/e2e/slow_clients.py" "$port" "$CLIENTS" "$SECONDS_OF_FLOOD" "$T/flood.json" &
flood=$!
sleep 3 # every slow client has connected and sent its first line
: >"$T/latencies"
n=0
while kill -0 "$flood" 2>/dev/null && [ "$n" -lt 40 ]; do
	for what in health reports; do
		start=$(date +%s%N)
		if [ "$what" = health ]; then
			api GET /healthz ""
		else
			api GET /api/v1/learners/ana/reports admin-token
		fi
		ms=$((($(date +%s%N) - start) / 1000000))
		code_is 200
		is_json
		echo "$what $ms" >>"$T/latencies"
		[ "$ms" -lt 2000 ] || fail "$what took $ms ms under the flood"
	done
	n=$((n + 1))
	sleep 0.25
done
wait "$flood" || fail "the slow clients failed"
flood=""
[ "$n" -ge 10 ] || fail "only $n rounds of requests while the flood lasted"
# The flood did happen, and the cap is what held it back: the server kept
# at most 32 of them and closed the rest (again and again).
cat "$T/flood.json"; echo
json_is "$T/flood.json" "r['held'] <= 32" True
json_is "$T/flood.json" "r['held'] >= 16" True
json_is "$T/flood.json" "r['closed'] >= $CLIENTS" True
# libmicrohttpd said so, once per 10 s of repeats rather than once per
# refused connection (a flood of clients is not a flood of log lines)
log_has "r['msg'] == 'http server' and r['detail'].startswith('Server reached connection limit')"
lines=$(grep -c '"msg":"http server"' "$T/daemon.log")
[ "$lines" -le 20 ] || fail "$lines 'http server' log lines for one flood"
log_has "r['msg'] == 'http server' and int(r.get('repeated', 0)) > 100"
python3 - "$T/latencies" <<'P'
import sys
by = {}
for line in open(sys.argv[1]):
    what, ms = line.split()
    by.setdefault(what, []).append(int(ms))
for what, v in sorted(by.items()):
    v.sort()
    print("%s under the flood: %d requests, median %d ms, max %d ms" % (what, len(v), v[len(v) // 2], v[-1]))
P
# and once it is over, a client of the flooded address is served again
CURL_OPTS="--max-time 5"
api GET /healthz ""
code_is 200
