#!/bin/sh
# daemon.sh - throughput and latency of `grader serve` on this machine
# (figures only, never pass/fail), run by `make bench`:
#   - jobs per minute draining a queue of submissions of the bundled course
#     (every io exercise solved, plus the git exercises over the history)
#     with 1 and with 2 workers, against the baseline of grading the same
#     submissions one after another with `grader grade` in this run;
#   - the time from a push (commit, git push, signed webhook) to its stored
#     report, median and p95, with 2 idle workers.
# Environment: GRADER (the binary), ROOT (the checkout); BENCH_JOBS (16)
# and BENCH_PUSHES (12) size the runs.
set -eu
: "${GRADER:?GRADER must name the grader binary}"
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
export GRADER ROOT
exec python3 - <<'PY'
import hashlib, hmac, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time
import urllib.request

GRADER, ROOT = os.environ["GRADER"], os.environ["ROOT"]
JOBS = int(os.environ.get("BENCH_JOBS", "16"))
PUSHES = int(os.environ.get("BENCH_PUSHES", "12"))
T = tempfile.mkdtemp(prefix="grader-bench-")
SECRET = "bench-secret"
env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.edu",
           GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.edu",
           BENCH_SECRET=SECRET)

def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()

# A learner repository holding every io solution of the course.
work, bare = os.path.join(T, "work"), os.path.join(T, "learner.git")
git("init", "-q", "--bare", "-b", "main", bare)
git("init", "-q", "-b", "main", work)
for ex in ["python/fizzbuzz", "dsa/shortest-path", "dsa/leaderboard", "linux/log-report",
           "linux/config-from-env"]:
    shutil.copytree(os.path.join(ROOT, "exercises", ex, "solution"), os.path.join(work, ex))
with open(os.path.join(work, ".gitignore"), "w") as f:
    f.write(".env\n")
with open(os.path.join(work, "NOTES.md"), "w") as f:
    f.write("# notes\n")
git("add", "-A", cwd=work)
git("commit", "-q", "-m", "feat: the stage-1 exercises", cwd=work)
for i in range(2):
    with open(os.path.join(work, "NOTES.md"), "a") as f:
        f.write(f"note {i}\n")
    git("commit", "-q", "-am", f"docs(notes): note {i}", cwd=work)
git("push", "-q", bare, "main", cwd=work)

def new_commit(tag):
    with open(os.path.join(work, "NOTES.md"), "a") as f:
        f.write(f"{tag}\n")
    git("commit", "-q", "-am", f"docs(notes): {tag}", cwd=work)
    git("push", "-q", bare, "main", cwd=work)
    return git("rev-parse", "HEAD", cwd=work)

commits = [new_commit(f"job {i}") for i in range(JOBS)]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def start_daemon(workers):
    state = tempfile.mkdtemp(dir=T)
    port = free_port()
    token = hashlib.sha256(b"bench-token").hexdigest()
    cfg = os.path.join(state, "grader.yaml")
    with open(cfg, "w") as f:
        f.write(f"state_dir: {state}\ncourse: {ROOT}/exercises\nworkers: {workers}\n"
                f"listen: 127.0.0.1:{port}\nlease: 60s\n"
                f"webhooks:\n  github: {{ secret_env: BENCH_SECRET }}\n"
                f"repositories:\n  - {{ learner: bench, url: {bare}, branch: main }}\n"
                f"poll: {{ interval: 1h }}\n"
                f"tokens:\n  - {{ name: b, role: admin, token_sha256: {token} }}\n")
    log = open(os.path.join(state, "daemon.log"), "w")
    p = subprocess.Popen([GRADER, "serve", "--config", cfg], stderr=log, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1); break
        except OSError:
            time.sleep(0.05)
    return p, base

def call(base, method, path, body=None, headers=None):
    h = {"Authorization": "Bearer bench-token", "Content-Type": "application/json"}
    h.update(headers or {})
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body else None)
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())

def wait_done(base, ids, poll=0.02):
    left = set(ids)
    while left:
        for i in list(left):
            j = call(base, "GET", f"/api/v1/submissions/{i}")
            if j["state"] in ("done", "failed"):
                if j["state"] == "failed":
                    sys.exit(f"job {i} failed: {j.get('error')}")
                left.discard(i)
        if left:
            time.sleep(poll)

def stop(p):
    p.terminate()
    try:
        p.wait(timeout=90)
    except subprocess.TimeoutExpired:
        p.kill()

# Baseline: the same submissions graded one after another by `grader grade`.
checkout = os.path.join(T, "checkout")
git("clone", "-q", bare, checkout)
n_base = min(JOBS, 8)
t0 = time.monotonic()
for c in commits[:n_base]:
    git("checkout", "-q", c, cwd=checkout)
    r = subprocess.run([GRADER, "grade", "--quiet", "--course", f"{ROOT}/exercises", checkout],
                       capture_output=True)
    if r.returncode not in (0, 1):
        sys.exit("grader grade failed: " + r.stderr.decode())
base_rate = n_base / (time.monotonic() - t0) * 60

print(f"daemon throughput: {JOBS} jobs of the bundled course (5 io exercises + 2 git), "
      f"{os.cpu_count()} CPUs")
print(f"{'mode':28} {'jobs/min':>9} {'vs baseline':>12}")
print(f"{'grader grade, sequential':28} {base_rate:9.1f} {'1.00x':>12}")
for workers in (1, 2):
    p, base = start_daemon(workers)
    try:
        t0 = time.monotonic()
        ids = [call(base, "POST", "/api/v1/submissions",
                    {"repo": bare, "commit": c, "learner": "bench", "priority": "bulk"})["id"]
               for c in commits]
        wait_done(base, ids)
        rate = JOBS / (time.monotonic() - t0) * 60
    finally:
        stop(p)
    print(f"{'serve, %d worker%s' % (workers, 's' if workers > 1 else ''):28} {rate:9.1f} "
          f"{rate / base_rate:11.2f}x")

# Latency: push -> signed webhook -> stored report.
p, base = start_daemon(2)
lat = []
try:
    for i in range(PUSHES):
        t0 = time.monotonic()
        before = git("rev-parse", "HEAD", cwd=work)
        after = new_commit(f"push {i}")
        body = json.dumps({"ref": "refs/heads/main", "before": before, "after": after,
                           "created": False, "deleted": False,
                           "repository": {"full_name": "bench/learner", "clone_url": bare},
                           "pusher": {"name": "bench"}}).encode()
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        j = call(base, "POST", "/webhooks/github", body,
                 {"X-GitHub-Event": "push", "X-Hub-Signature-256": sig})
        wait_done(base, [j["id"]], poll=0.01)
        lat.append(time.monotonic() - t0)
finally:
    stop(p)
lat.sort()
p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
print(f"push to stored report ({PUSHES} pushes, 2 workers): median {statistics.median(lat)*1000:.0f} ms,"
      f" p95 {p95*1000:.0f} ms, min {lat[0]*1000:.0f} ms")
shutil.rmtree(T, ignore_errors=True)
PY
