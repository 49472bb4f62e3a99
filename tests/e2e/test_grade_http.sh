# Grading http exercises end to end: the bundled http/health and
# http/rest-crud with their reference and known-wrong servers, then a
# fixture exercise for cookies, redirects, saved values, repeats and a
# restart, and hostile servers: each startup failure and each broken
# exchange gets its own message within its limits, and nothing is left
# running.
. "$(dirname "$0")/lib.sh"
C="$T/course"
mkdir -p "$C/http"
cp -R "$ROOT/exercises/http/health" "$ROOT/exercises/http/rest-crud" "$C/http/"
# Shorter waits for the hostile cases below; the checks are the bundled ones.
sed -i 's/startup_timeout: 15s/startup_timeout: 3s/' "$C/http/health/exercise.yaml"
printf 'request_timeout: 2s\n' >>"$C/http/health/exercise.yaml"
cat >"$C/course.yaml" <<'Y'
title: HTTP
exercises:
  - { path: http/health }
  - { path: http/rest-crud }
Y
expect_status 0 "$GRADER" lint "$C"

# learner NAME EXERCISE [FILE]: a submission holding FILE (default: the
# exercise's reference) as app.py; sets L to its folder.
learner() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/http/$2"
	L="$T/$1/http/$2"
	cp "${3:-$ROOT/exercises/http/$2/solution/app.py}" "$L/app.py"
}
ex="r['exercises'][0]"
check="$ex['checks']"
msg() { echo "[c['message'] for c in $check if c['name']=='$1'][0]"; }

# The references pass every check.
learner good health
mkdir -p "$T/good/http/rest-crud"
cp "$ROOT/exercises/http/rest-crud/solution/app.py" "$T/good/http/rest-crud/"
expect_status 0 "$GRADER" grade --course "$C" --output "$T/good.json" "$T/good"
valid_report "$T/good.json"
json_is "$T/good.json" "r['score']" 22
json_is "$T/good.json" "[e['status'] for e in r['exercises']]" "['passed', 'passed']"

# A price stored as a string: the JSON difference names the path and both
# types; the message shows the request as sent, a curl command to repeat
# it and the response.
learner str rest-crud "$ROOT/exercises/http/rest-crud/wrong/price-as-string/app.py"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/str.json" "$T/str"
valid_report "$T/str.json"
m=$(jq_py "$T/str.json" "$(msg 'POST creates an item and answers 201 with it')")
for want in "step 1 of 1 'create' (POST /items): body: \$.price is \"1.5\" (a string) where a number (1.5) was expected" \
	"request as sent:" "Content-Type: application/json" '{"name":"pen","price":1.5}' \
	"curl -i -X POST 'http://localhost:8000/items' -H 'Content-Type: application/json' --data-raw '{\"name\":\"pen\",\"price\":1.5}'" \
	"HTTP/1.1 201 CREATED" '{"id":1,"name":"pen","price":"1.5"}' "the server's stderr ends with:"; do
	case "$m" in *"$want"*) ;; *) fail "the message lacks: $want
$m" ;; esac
done
json_is "$T/str.json" "[c for c in $check if c['name']=='POST creates an item and answers 201 with it'][0]['diff']['json_path']" '$.price'
# ... and the whole documents side by side, keys sorted, every difference.
u=$(jq_py "$T/str.json" "[c for c in $check if c['name']=='POST creates an item and answers 201 with it'][0]['diff']['unified']")
case "$u" in *'-  "price": 1.5'*'+  "price": "1.5"'*) ;; *) fail "no whole-document diff: $u" ;; esac

# Every known-wrong server loses points; `grader check` holds both exercises.
expect_status 0 "$GRADER" check "$ROOT/exercises/http/health" "$ROOT/exercises/http/rest-crud"
contains "$T/err" "warning: wrong/fixed-port scores 0 only because it could not be graded at all (the server listens on 127.0.0.1:5000, not on port 8000"
lacks "$T/out" "BROKEN"

# ---- a fixture: cookies, redirects, saved values, repeat, restart ----
F="$C/http/session"
mkdir -p "$F"
cat >"$F/exercise.yaml" <<'Y'
id: http/session
title: Sessions
kind: http
files: [app.py]
limits: { wall: 60s, memory: 256MiB }
server: { run: [python3, app.py], port: 8123, startup_timeout: 5s }
checks:
  - name: login sets a session cookie and redirects home
    steps:
      - request: { method: POST, path: /login, form: { user: ana }, follow_redirects: true }
        expect:
          status: 200
          url: /home
          cookies: { sid: { http_only: true, same_site: Lax, secure: false } }
          body: { contains: "hello ana" }
        save: { sid: { cookie: sid } }
      - request: { path: /me }
        repeat: 3
        expect:
          max_time: 2s
          json: { user: ana, sid: "{{sid}}" }
  - name: without the cookie
    steps:
      - request: { path: /health }
      - request: { path: /me }
        expect: { status: 401 }
  - name: notes survive a restart
    steps:
      - request: { method: POST, path: /notes, body: "buy milk" }
        expect: { status: 201 }
  - name: after the restart
    restart: true
    depends_on: notes survive a restart
    steps:
      - request: { path: /notes }
        expect: { body: { exact: "buy milk", hint: "Keep the notes in a file: memory is lost at a restart." } }
  - name: errors only
    steps:
      - request: { path: /nope }
        expect: { status: 404 }
Y
cat >"$T/session.py" <<'P'
import os, secrets
from flask import Flask, jsonify, redirect, request, make_response
app = Flask(__name__)
sessions = {}
@app.get("/health")
def health():
    return "ok"
@app.post("/login")
def login():
    sid = secrets.token_hex(8)
    sessions[sid] = request.form["user"]
    r = redirect("/home")
    r.set_cookie("sid", sid, httponly=True, samesite="Lax")
    return r
@app.get("/home")
def home():
    return "hello " + sessions.get(request.cookies.get("sid"), "stranger")
@app.get("/me")
def me():
    sid = request.cookies.get("sid")
    if sid not in sessions:
        return jsonify(error="log in"), 401
    return jsonify(user=sessions[sid], sid=sid)
@app.route("/notes", methods=["GET", "POST"])
def notes():
    if request.method == "POST":
        with open("notes.txt", "wb") as f:
            f.write(request.get_data())
        return "", 201
    return open("notes.txt").read()
app.run(port=int(os.environ["PORT"]))
P
printf '  - { path: http/session }\n' >>"$C/course.yaml"
expect_status 0 "$GRADER" lint "$C"
contains "$T/err" "warning: every step of check 'errors only' expects an error status"
learner sess session "$T/session.py"
expect_status 0 "$GRADER" grade --course "$C" --exercise http/session --output "$T/sess.json" "$T/sess"
json_is "$T/sess.json" "[c['status'] for c in $check]" "['passed', 'passed', 'passed', 'passed', 'passed']"
# The same server without HttpOnly, and with notes kept in memory only.
sed -e 's/httponly=True, //' -e 's/with open("notes.txt", "wb") as f:/if True:/' \
	-e 's/f.write(request.get_data())/app.notes = request.get_data()/' \
	-e 's/return open("notes.txt").read()/return getattr(app, "notes", b"")/' "$T/session.py" >"$L/app.py"
expect_status 1 "$GRADER" grade --course "$C" --exercise http/session --output "$T/sess2.json" "$T/sess"
json_is "$T/sess2.json" "[c['status'] for c in $check]" "['failed', 'passed', 'passed', 'failed', 'passed']"
contains "$T/sess2.json" "cookie 'sid' is not HttpOnly; expected it to be"
contains "$T/sess2.json" "step 1 of 1 (GET /notes): body: "
# the failed body expectation's own hint
json_is "$T/sess2.json" "[c for c in $check if c['name']=='after the restart'][0]['hint']" "Keep the notes in a file: memory is lost at a restart."

# A definition mistake is reported at its line and column.
sed -i 's|      - request: { path: /health }|      - request: { path: /health }\n        expect: { jsonpath: [{ path: "$.a[x", type: string }] }|' "$F/exercise.yaml"
grep -q 'a\[x' "$F/exercise.yaml" || fail "the mistake was not planted"
expect_status 2 "$GRADER" lint "$C"
line=$(grep -n 'a\[x' "$F/exercise.yaml" | cut -d: -f1)
contains "$T/err" "http/session/exercise.yaml:$line:42: error: bad JSON path"
contains "$T/err" "bad JSON path '\$.a[x': expected [N], [-N], [*] or [\"key\"]"
rm -rf "$F"
sed -i '/http\/session/d' "$C/course.yaml"

# ---- hidden checks talk to a server of their own ----
# The server logs every path it is asked for and shows the log: the
# visible checks' server never sees the hidden check's request, and the
# hidden check's server sees only its own.
F="$C/http/hidden"
mkdir -p "$F"
cat >"$F/exercise.yaml" <<'Y'
id: http/hidden
title: Hidden
kind: http
files: [app.py]
limits: { wall: 60s, memory: 256MiB }
server: { run: [python3, app.py], port: 8124, startup_timeout: 5s }
checks:
  - name: first look
    steps:
      - request: { path: /log }
        expect: { json: [/log] }
  - name: hidden probe
    visibility: hidden
    steps:
      - request: { path: /secret-probe }
      - request: { path: /log }
        expect: { json: [/secret-probe, /log] }
  - name: second look
    steps:
      - request: { path: /log }
        expect: { json: [/log, /log] }
Y
cat >"$T/hidden.py" <<'P'
import json, os
from http.server import BaseHTTPRequestHandler, HTTPServer
seen = []
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        seen.append(self.path)
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
P
printf '  - { path: http/hidden }\n' >>"$C/course.yaml"
learner hid hidden "$T/hidden.py"
expect_status 0 "$GRADER" grade --course "$C" --exercise http/hidden --audience instructor --output "$T/hid.json" "$T/hid"
json_is "$T/hid.json" "[c['status'] for c in $check]" "['passed', 'passed', 'passed']"
# A hidden check that fails: an instructor sees what its server logged,
# a learner sees none of it.
sed -i 's|json: \[/secret-probe, /log\]|json: [/log]|' "$F/exercise.yaml"
grep -q 'json: \[/log\] }$' "$F/exercise.yaml" || fail "the hidden expectation was not changed"
expect_status 1 "$GRADER" grade --course "$C" --exercise http/hidden --audience instructor --output "$T/hid2.json" "$T/hid"
json_is "$T/hid2.json" "[c['status'] for c in $check]" "['passed', 'failed', 'passed']"
contains "$T/hid2.json" "/secret-probe"
expect_status 1 "$GRADER" grade --course "$C" --exercise http/hidden --output "$T/hid3.json" "$T/hid"
json_is "$T/hid3.json" "[c['status'] for c in $check]" "['passed', 'failed', 'passed']"
lacks "$T/hid3.json" "secret-probe"
rm -rf "$F"
sed -i '/http\/hidden/d' "$C/course.yaml"

# ---- a JSON Schema for the body ----
F="$C/http/schema"
mkdir -p "$F"
cat >"$F/exercise.yaml" <<'Y'
id: http/schema
title: Schema
kind: http
files: [app.py]
limits: { wall: 60s, memory: 256MiB }
server: { run: [python3, app.py], port: 8125, startup_timeout: 5s }
checks:
  - name: the log is a list of paths
    steps:
      - request: { path: /log }
        expect:
          schema:
            type: array
            minItems: 1
            items: { type: string, pattern: "^/[a-z]+$" }
  - name: the log is a list of numbers
    steps:
      - request: { path: /log }
        expect:
          schema: { type: array, items: { type: integer } }
Y
printf '  - { path: http/schema }\n' >>"$C/course.yaml"
learner sch schema "$T/hidden.py"
expect_status 1 "$GRADER" grade --course "$C" --exercise http/schema --output "$T/sch.json" "$T/sch"
valid_report "$T/sch.json"
json_is "$T/sch.json" "[c['status'] for c in $check]" "['passed', 'failed']"
contains "$T/sch.json" "body: \$[0] is \\\"/log\\\" (a string); expected an integer (schema)"
# A schema mistake is reported where it is written.
sed -i 's/items: { type: integer }/items: { type: int }/' "$F/exercise.yaml"
expect_status 2 "$GRADER" lint "$C"
line=$(grep -n 'type: int }' "$F/exercise.yaml" | cut -d: -f1)
contains "$T/err" "http/schema/exercise.yaml:$line:"
contains "$T/err" "bad JSON Schema at /items/type: unknown type 'int'"
rm -rf "$F"
sed -i '/http\/schema/d' "$C/course.yaml"

# ---- server.files: the exercise's files in the server's work dir ----
F="$C/http/files"
mkdir -p "$F/data"
printf '[{"id": 1, "name": "seeded"}]\n' >"$F/data/seed.json"
cat >"$F/exercise.yaml" <<'Y'
id: http/files
title: Files
kind: http
files: [app.py]
limits: { wall: 60s, memory: 256MiB }
server:
  run: [python3, app.py]
  port: 8126
  startup_timeout: 5s
  files: { data/items.json: { file: data/seed.json }, motd.txt: "from the exercise\n" }
checks:
  - name: the server reads the seeded items
    steps:
      - request: { path: /items }
        expect: { json: [{ id: 1, name: seeded }] }
  - name: the exercise's file replaces the learner's
    steps:
      - request: { path: /motd }
        expect: { body: { exact: "from the exercise\n" } }
Y
cat >"$T/files.py" <<'P'
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        name = {"/items": "data/items.json", "/motd": "motd.txt"}[self.path]
        body = open(name, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
P
printf '  - { path: http/files }\n' >>"$C/course.yaml"
learner fil files "$T/files.py"
printf 'from the learner\n' >"$L/motd.txt"
expect_status 0 "$GRADER" grade --course "$C" --exercise http/files --output "$T/fil.json" "$T/fil"
json_is "$T/fil.json" "[c['status'] for c in $check]" "['passed', 'passed']"
# A file that leads out of the exercise folder, or a name out of the work dir.
sed -i 's|{ file: data/seed.json }|{ file: ../seed.json }|; s|motd.txt: |../motd.txt: |' "$F/exercise.yaml"
expect_status 2 "$GRADER" lint "$C"
contains "$T/err" "file '../seed.json' must be a relative path inside the exercise folder"
contains "$T/err" "file name '../motd.txt' must stay inside the work dir"
rm -rf "$F"
sed -i '/http\/files/d' "$C/course.yaml"

# ---- server.sqlite: a fresh database per grading, built from SQL ----
F="$C/http/db"
mkdir -p "$F/sql"
printf 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n' >"$F/sql/schema.sql"
printf "INSERT INTO items (name) VALUES ('pen'), ('ink');\n" >"$F/sql/seed.sql"
cat >"$F/exercise.yaml" <<'Y'
id: http/db
title: Database
kind: http
files: [app.py]
limits: { wall: 60s, memory: 256MiB }
server:
  run: [python3, app.py]
  port: 8127
  startup_timeout: 5s
  sqlite: { file: data/app.db, setup: [sql/schema.sql, sql/seed.sql] }
checks:
  - name: the seeded items, then one more
    steps:
      - request: { path: /items }
        expect: { json: [pen, ink] }
      - request: { method: POST, path: /items, body: cap }
        expect: { status: 201 }
      - request: { path: /items }
        expect: { json: [pen, ink, cap] }
Y
cat >"$T/db.py" <<'P'
import json, os, sqlite3
from http.server import BaseHTTPRequestHandler, HTTPServer
db = sqlite3.connect("data/app.db", isolation_level=None)
class H(BaseHTTPRequestHandler):
    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        names = [r[0] for r in db.execute("SELECT name FROM items ORDER BY id")]
        self.answer(200, json.dumps(names).encode())
    def do_POST(self):
        name = self.rfile.read(int(self.headers["Content-Length"])).decode()
        db.execute("INSERT INTO items (name) VALUES (?)", (name,))
        self.answer(201, b"")
HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
P
printf '  - { path: http/db }\n' >>"$C/course.yaml"
expect_status 0 "$GRADER" lint "$C"
learner dbl db "$T/db.py"
# Twice: each grading starts from the seeded database, not the last one's.
expect_status 0 "$GRADER" grade --course "$C" --exercise http/db --output "$T/db1.json" "$T/dbl"
json_is "$T/db1.json" "[c['status'] for c in $check]" "['passed']"
expect_status 0 "$GRADER" grade --course "$C" --exercise http/db --output "$T/db2.json" "$T/dbl"
json_is "$T/db2.json" "[c['status'] for c in $check]" "['passed']"
# A mistake in the instructor's SQL: an error of the exercise, at its line.
printf 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO itemz VALUES (1);\n' >"$F/sql/schema.sql"
expect_status 3 "$GRADER" grade --course "$C" --exercise http/db --output "$T/db3.json" "$T/dbl"
contains "$T/db3.json" "server.sqlite database could not be built: sql/schema.sql:2:"
contains "$T/db3.json" "no such table: itemz"
# The keys are checked when the exercise loads.
sed -i 's|sqlite: { file: data/app.db, setup: \[sql/schema.sql, sql/seed.sql\] }|sqlite: { file: ../app.db, setup: [sql/nope.sql] }|' "$F/exercise.yaml"
expect_status 2 "$GRADER" lint "$C"
contains "$T/err" "file name '../app.db' must stay inside the work dir"
contains "$T/err" "setup script 'sql/nope.sql' not found in the exercise folder"
rm -rf "$F"
sed -i '/http\/db/d' "$C/course.yaml"

# ---- hostile servers ----
# hostile NAME EXERCISE: grades $T/NAME.py as the exercise's app.py; the
# report is $T/NAME.json.
hostile() {
	learner "$1" "$2" "$T/$1.py"
	expect_status 1 "$GRADER" grade --course "$C" --exercise "http/$2" --output "$T/$1.json" "$T/$1"
	valid_report "$T/$1.json"
}
first="$check[0]['message']"
starts_with() {
	got=$(jq_py "$T/$1.json" "$first")
	case "$got" in "$2"*) ;; *) fail "$1: the message does not start with: $2
$got" ;; esac
}

# exits at once, with a traceback
printf 'import flask\nraise RuntimeError("no database configured")\n' >"$T/crash.py"
hostile crash health
starts_with crash "the server stopped during startup: exited with status 1"
contains "$T/crash.json" "RuntimeError: no database configured"

# forks into the background: the parent exits 0, and the child (marked by
# a unique argument) is killed with the sandbox
cat >"$T/fork.py" <<'P'
import os
if os.fork() == 0:
    os.execv("/bin/sleep", ["sleep", "987654"])
P
hostile fork health
starts_with fork "the server stopped during startup: exited with status 0 (a server must keep running in the foreground: did it fork into the background"

# listens on another port, and on an interface the grader cannot reach
sed 's/port=5000/port=8001/' "$ROOT/exercises/http/health/wrong/fixed-port/app.py" >"$T/port.py"
hostile port health
starts_with port "the server listens on 127.0.0.1:8001, not on port 8000: it must listen on the port in the PORT environment variable"
cat >"$T/v6.py" <<'P'
import os, socket, time
s = socket.socket(socket.AF_INET6)
s.bind(("::1", int(os.environ["PORT"])))
s.listen()
time.sleep(60)
P
hostile v6 health
starts_with v6 "the server listens on [::1]:8000, an interface the grader cannot reach on port 8000"

# never listens
printf 'import time\nprint("starting...", flush=True)\ntime.sleep(60)\n' >"$T/slow.py"
hostile slow health
starts_with slow "the server did not listen on port 8000 within 3.0 s (startup_timeout)"
contains "$T/slow.json" "starting..."

# listens, but the readiness path never answers below 500
sed 's/return jsonify(status="ok")/return jsonify(status="warming up"), 503/' \
	"$ROOT/exercises/http/health/solution/app.py" >"$T/warm.py"
hostile warm health
starts_with warm "the server accepted connections on port 8000 but GET /health did not answer with a status below 500 within 3.0 s (startup_timeout; the last try: status 503)"

# tries to reach beyond its own loopback: no route
cat >"$T/net.py" <<'P'
import os, socket
from flask import Flask, jsonify
app = Flask(__name__)
@app.get("/health")
def health():
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=2)
        return jsonify(status="reached the internet")
    except OSError as e:
        return jsonify(status="net: " + str(e))
app.run(port=int(os.environ["PORT"]))
P
hostile net health
contains "$T/net.json" "net: [Errno 101] Network is unreachable"

# a raw socket server: garbage that is not HTTP, a response that hangs, a
# huge body, an endless chunked stream, each on its own path of /health's
# checks (the first request decides the readiness: it answers there)
cat >"$T/raw.py" <<'P'
import os, socket, sys, threading, time
MODE = sys.argv[1] if len(sys.argv) > 1 else open("mode").read().strip()
def serve(c):
    req = c.recv(65536)
    ok = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n{"status": "ok"}'
    if b"X-Probe" not in req and b"GET /health" in req and not getattr(serve, "done", False):
        serve.done = True  # the readiness probe
        c.sendall(ok)
    elif MODE == "garbage":
        c.sendall(b"hello, this is not HTTP at all\n")
    elif MODE == "hang":
        time.sleep(30)
    elif MODE == "huge":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n")
        c.sendall(b"x" * 5000000)
    elif MODE == "chunked":
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while True:
            c.sendall(b"1000\r\n" + b"y" * 4096 + b"\r\n")
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(os.environ["PORT"])))
s.listen()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
P
for mode in garbage hang huge chunked; do
	learner "raw-$mode" health "$T/raw.py"
	echo "$mode" >"$L/mode"
	expect_status 1 "$GRADER" grade --course "$C" --exercise http/health --output "$T/raw-$mode.json" "$T/raw-$mode"
	valid_report "$T/raw-$mode.json"
done
starts_with raw-garbage "step 1 of 1 (GET /health): the answer is not HTTP"
starts_with raw-hang "step 1 of 1 (GET /health): no response within 2.0 s (request_timeout)"
starts_with raw-huge "step 1 of 1 (GET /health): the response body is larger than 1024 KiB"
starts_with raw-chunked "step 1 of 1 (GET /health): the response body is larger than 1024 KiB"
wall=$(jq_py "$T/raw-hang.json" "$ex['duration_ms']")
[ "$wall" -lt 20000 ] || fail "the hanging server took $wall ms to grade"

# crashes mid-sequence: deleting an item kills the server with SIGSEGV;
# that check fails saying so, and the next check gets a fresh server
sed 's/    return "", 204/    __import__("ctypes").string_at(0)  # a real segfault, in this thread\n    return "", 204/' \
	"$ROOT/exercises/http/rest-crud/solution/app.py" >"$T/segv.py"
grep -q 'string_at(0)' "$T/segv.py" || fail "the crash was not planted"
learner segv rest-crud "$T/segv.py"
expect_status 1 "$GRADER" grade --course "$C" --exercise http/rest-crud --output "$T/segv.json" "$T/segv"
m=$(jq_py "$T/segv.json" "$(msg 'DELETE answers 204 and the item is gone')")
case "$m" in *"step 2 of 3 (DELETE /items/"*"the server was killed by signal 11 (Segmentation fault)"*) ;;
*) fail "the crash is not named: $m" ;; esac
json_is "$T/segv.json" "[c['status'] for c in $check if c['name']=='a method the resource does not allow gets 405'][0]" passed

# Nothing is left running: the background child of the forking server and
# every hostile server are gone.
sleep 0.2
if pgrep -f "sleep 987654" >/dev/null; then fail "the forked child of a server outlived its grading"; fi
if pgrep -f "raw.py" >/dev/null; then fail "a raw server outlived its grading"; fi
exit 0
