#!/bin/sh
# http.sh - the http kind's speed, on a Flask server (Debian's
# python3-flask): the whole `grader grade` of a one-check exercise
# (sandbox, server start until GET /health answers, one request, stop)
# against the same Flask app started bare on the host and polled the same
# way; and the cost of one request step, from the marginal cost of 200
# more (a check with `repeat: 201` against one with `repeat: 1`, both in
# the same run) against 200 requests sent bare, each on a new connection
# (the grader opens one per step too). Commands run interleaved, round by
# round; medians over BENCH_RUNS (default 11). Never fails on a timing.
set -u
: "${GRADER:?GRADER must name the grader binary}" "${ROOT:?ROOT must name the source tree}"
runs=${BENCH_RUNS:-11}
[ "$runs" -gt 30 ] && runs=30
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
if ! $PY -c 'import flask' 2>/dev/null; then
	echo "http: $PY has no flask (apt-get install python3-flask); skipped"
	exit 0
fi

# course DIR REPEAT: the bundled health app, one check of REPEAT steps.
course() {
	d="$1/b/h"
	mkdir -p "$d" "$1/sub/b/h"
	cp "$ROOT/exercises/http/health/solution/app.py" "$1/sub/b/h/"
	cat >"$d/exercise.yaml" <<Y
id: b/h
title: Bench
kind: http
files: [app.py]
limits: { wall: 60s, cpu: 30s, memory: 256MiB }
server: { run: [python3, app.py], ready: /health, startup_timeout: 15s }
checks:
  - name: health
    steps:
      - request: { path: /health }
        repeat: $2
        expect: { status: 200, json: { status: ok } }
Y
	printf 'title: B\nexercises:\n  - { path: b/h }\n' >"$1/course.yaml"
}
course "$T/one" 1
course "$T/many" 201
for c in one many; do
	if ! "$GRADER" grade -q --course "$T/$c" --output "$T/r.json" "$T/$c/sub" ||
		! $PY -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["score"] != 1)' "$T/r.json"; then
		echo "http: the benchmark's exercise ($c) did not pass; see $T/r.json" >&2
		trap - EXIT
		exit 1
	fi
done
$PY - "$runs" "$T" "$GRADER" "$ROOT/exercises/http/health/solution/app.py" <<'PYEOF'
import http.client, json, os, socket, subprocess, sys, time
runs, T, grader, app = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
PY = "/usr/bin/python3"

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def get(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/health")
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body

def bare(steps):
    """Starts the app on the host, polls GET /health until it answers (as
    the grader does, every 50 ms after a refused connection), sends steps
    more requests, stops it: the wall time of it all, and of the steps."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.perf_counter()
    p = subprocess.Popen([PY, app], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if get(port)[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        t1 = time.perf_counter()
        for _ in range(steps):
            status, body = get(port)
            if status != 200 or json.loads(body) != {"status": "ok"}:
                sys.exit("http: the bare server answered %d" % status)
        t2 = time.perf_counter()
    finally:
        p.kill()
        p.wait()
    return (time.perf_counter() - t0) * 1000, (t2 - t1) * 1000

def grade(c):
    t = time.perf_counter()
    r = subprocess.run([grader, "grade", "-q", "--course", T + "/" + c, "--output", T + "/r.json",
                        T + "/" + c + "/sub"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit("http: grader grade exited %d" % r.returncode)
    return (time.perf_counter() - t) * 1000

ts = {k: [] for k in ("b1", "g1", "gm", "bsteps")}
for _ in range(runs):
    ts["b1"].append(bare(1)[0])
    ts["g1"].append(grade("one"))
    ts["gm"].append(grade("many"))
    ts["bsteps"].append(bare(200)[1])
m = {k: sorted(v)[len(v) // 2] for k, v in ts.items()}
step_g = (m["gm"] - m["g1"]) / 200
step_b = m["bsteps"] / 200
r = lambda a, b: a / b if b > 0 else float("nan")
print("medians of %d interleaved runs; Flask's GET /health" % runs)
print("bare: start, ready, 1 request, stop          %8.1f ms" % m["b1"])
print("grader grade, one check of 1 step            %8.1f ms   %.2fx bare" % (m["g1"], r(m["g1"], m["b1"])))
print("grader grade, one check of 201 steps         %8.1f ms" % m["gm"])
print("one step in the grader (marginal)            %8.2f ms   %.0f steps/s   %.2fx bare" % (step_g, r(1000, step_g), r(step_g, step_b)))
print("one request bare, new connection             %8.2f ms   %.0f requests/s" % (step_b, r(1000, step_b)))
PYEOF
