# Grading sql exercises on a real PostgreSQL ($GRADER_POSTGRES; make test
# starts one when CI has not): the bundled sql/postgres-window, hostile
# SQL (pg_sleep, server files, programs, other schemas and roles), every
# run database and role dropped afterwards, and the sweep of what a
# killed grader left behind.
. "$(dirname "$0")/lib.sh"
[ -n "${GRADER_POSTGRES:-}" ] || fail "no PostgreSQL: set GRADER_POSTGRES (tests/run-all.sh does from GRADER_TEST_PG)"
PSQL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
[ -x "$PSQL" ] || PSQL=psql
sqlq() { "$PSQL" "$GRADER_POSTGRES" -Atqc "$1"; }
leftovers() { sqlq "SELECT count(*) FROM pg_database WHERE datname LIKE 'grader_run_%'"; }
leftover_roles() { sqlq "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'grader_run_%'"; }

C="$T/course"
mkdir -p "$C/sql" "$C/t/p"
cp -R "$ROOT/exercises/sql/postgres-window" "$C/sql/"
cat >"$C/t/p/schema.sql" <<'EOF'
CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
EOF
cat >"$C/t/p/exercise.yaml" <<'EOF'
id: t/p
title: One table on PostgreSQL
kind: sql
files: [q.sql]
limits: { wall: 2s, memory: 64MiB }
sql: { engine: postgres, setup: [schema.sql] }
checks:
  - name: rows
    expect: { columns: [id, name], rows: [[1, a], [2, b]], order: ordered }
EOF
cat >"$C/course.yaml" <<'EOF'
title: SQL on PostgreSQL
exercises:
  - { path: sql/postgres-window }
  - { path: t/p }
EOF
expect_status 0 "$GRADER" lint "$C"
check="r['exercises'][0]['checks']"

# The reference scores full marks; RANK for DENSE_RANK does not, and the
# message shows the first differing row.
rm -rf "$T/sub" && mkdir -p "$T/sub/sql"
cp -R "$C/sql/postgres-window/solution" "$T/sub/sql/postgres-window"
expect_status 0 "$GRADER" grade --course "$C" --output "$T/good.json" "$T/sub"
valid_report "$T/good.json"
json_is "$T/good.json" "r['score']" 10
cp "$C/sql/postgres-window/wrong/rank-not-dense/top-salaries.sql" "$T/sub/sql/postgres-window/"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/r.json" "$T/sub"
json_is "$T/r.json" "r['score']" 5
m=$(jq_py "$T/r.json" "$check[0]['message']")
case "$m" in "the result: results differ from row 3"*) ;; *) fail "rank message: $m" ;; esac
contains "$T/r.json" "('engineering', 'Alan', 8700.50, 2)"

# q SQL: the one-table exercise with q.sql holding SQL; message in $M.
q() {
	rm -rf "$T/sub"
	mkdir -p "$T/sub/t/p"
	printf '%s\n' "$1" >"$T/sub/t/p/q.sql"
	expect_status "${2:-1}" "$GRADER" grade --course "$C" --exercise t/p --output "$T/q.json" "$T/sub"
	valid_report "$T/q.json"
	M=$(jq_py "$T/q.json" "r['exercises'][0]['checks'][0].get('message', '')")
}
q "SELECT id, name FROM t ORDER BY id;" 0
q "SELECT id, nam FROM t;"
case "$M" in 'q.sql:1:12: column "nam" does not exist') ;; *) fail "position: $M" ;; esac

# Hostile SQL, each refused or stopped in its own words.
start=$(date +%s)
q "SELECT pg_sleep(60);"
case "$M" in *"ran past the time limit of 2.0 s"*) ;; *) fail "pg_sleep: $M" ;; esac
[ $(($(date +%s) - start)) -lt 15 ] || fail "pg_sleep was not stopped at the limit"
q "SELECT pg_read_file('/etc/passwd');"
case "$M" in *"permission denied for function pg_read_file"*) ;; *) fail "pg_read_file: $M" ;; esac
lacks "$T/q.json" "root:"
q "CREATE TABLE f (l text); COPY f FROM '/etc/passwd';"
case "$M" in *"permission denied"*|*"must be superuser"*|*"pg_read_server_files"*) ;; *) fail "COPY FROM file: $M" ;; esac
q "CREATE TABLE f (l text); COPY f FROM PROGRAM 'id';"
case "$M" in *"permission denied"*|*"must be superuser"*|*"pg_execute_server_program"*) ;; *) fail "COPY FROM PROGRAM: $M" ;; esac
q "SELECT lo_import('/etc/passwd');"
case "$M" in *"permission denied"*|*"must be superuser"*) ;; *) fail "lo_import: $M" ;; esac
q "CREATE SCHEMA evil;"
case "$M" in *"permission denied for database"*) ;; *) fail "CREATE SCHEMA: $M" ;; esac
q "SET ROLE postgres;"
case "$M" in *"permission denied to set role"*) ;; *) fail "SET ROLE: $M" ;; esac
q "CREATE EXTENSION dblink;"
case "$M" in *"permission denied"*|*"not available"*|*"could not open extension"*) ;; *) fail "dblink: $M" ;; esac
# What a learner drops is dropped in their own copy only.
q "DROP TABLE t; SELECT 1 AS id, 'a' AS name UNION SELECT 2, 'b' ORDER BY 1;" 0
q "SELECT id, name FROM t ORDER BY id;" 0
[ "$(sqlq "SELECT count(*) FROM pg_database WHERE datname LIKE 'grader_tpl_%'")" -ge 2 ] ||
	fail "no template databases were built"

# Nothing of the runs is left on the server.
[ "$(leftovers)" = 0 ] || fail "run databases were left behind: $(leftovers)"
[ "$(leftover_roles)" = 0 ] || fail "run roles were left behind: $(leftover_roles)"

# A grader killed in the middle of a run leaves its database; the next
# grader process drops it (nothing holds its advisory lock any more).
rm -rf "$T/sub" && mkdir -p "$T/sub/t/p"
echo "SELECT pg_sleep(1.8) AS id, 'a' AS name;" >"$T/sub/t/p/q.sql"
setsid "$GRADER" grade --course "$C" --exercise t/p --output "$T/k.json" "$T/sub" >/dev/null 2>&1 &
gpid=$!
i=0
while [ "$(leftovers)" = 0 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(leftovers)" = 1 ] || fail "the run database never appeared"
kill -9 -- -"$gpid" 2>/dev/null || kill -9 "$gpid"
wait "$gpid" 2>/dev/null || true
sleep 0.5
[ "$(leftovers)" = 1 ] || fail "the killed grader's database is not there to sweep: $(leftovers)"
q "SELECT id, name FROM t ORDER BY id;" 0
[ "$(leftovers)" = 0 ] || fail "the sweep left the killed grader's database: $(leftovers)"
[ "$(leftover_roles)" = 0 ] || fail "the sweep left the killed grader's role"
echo "sql postgres e2e ok"
