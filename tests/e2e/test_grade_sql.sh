# Grading sql exercises end to end on SQLite: the bundled exercises'
# reference and wrong solutions, each kind of learner-facing failure with
# its position, statement restrictions, order by chance, and the hostile
# SQL a learner may send (time, memory, ATTACH, extensions, pragmas, a
# TEMP view that shadows the table the check reads, a symbolic link).
. "$(dirname "$0")/lib.sh"
C="$T/course"
mkdir -p "$C/sql" "$C/t/h"
cp -R "$ROOT/exercises/sql/select-filter" "$ROOT/exercises/sql/transactions" "$C/sql/"
cat >"$C/t/h/schema.sql" <<'EOF'
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO t VALUES (3, 'c'), (1, 'a'), (2, 'b');
EOF
cat >"$C/t/h/exercise.yaml" <<'EOF'
id: t/h
title: One table
kind: sql
files: [q.sql]
limits: { wall: 2s, memory: 64MiB }
sql: { setup: [schema.sql] }
checks:
  - name: rows
    allow: [select]
    max_statements: 1
    expect: { columns: [id, name], rows: [[1, a], [2, b], [3, c]], order: ordered }
EOF
cat >"$C/course.yaml" <<'EOF'
title: SQL
exercises:
  - { path: sql/select-filter }
  - { path: sql/transactions }
  - { path: t/h }
EOF
expect_status 0 "$GRADER" lint "$C"
check="r['exercises'][0]['checks']"
msg() { echo "[c.get('message', '') for c in $check if c['name']=='$1'][0]"; }

# learner EXERCISE [FROM]: a fresh submission of one exercise, holding the
# files of FROM (a folder of the exercise, default solution).
learner() {
	rm -rf "$T/sub"
	mkdir -p "$T/sub/$(dirname "$1")"
	cp -R "$C/$1/${2:-solution}" "$T/sub/$1"
	L="$T/sub/$1"
}
# q SQL: the one-table exercise with q.sql holding SQL; grades it into
# $T/q.json and leaves the check's message in $M.
q() {
	rm -rf "$T/sub"
	mkdir -p "$T/sub/t/h"
	printf '%s\n' "$1" >"$T/sub/t/h/q.sql"
	expect_status "${2:-1}" "$GRADER" grade --course "$C" --exercise t/h --output "$T/q.json" "$T/sub"
	valid_report "$T/q.json"
	M=$(jq_py "$T/q.json" "$(msg rows)")
}

# The references score full marks, and the report has each check's time.
learner sql/select-filter
expect_status 0 "$GRADER" grade --course "$C" --output "$T/good.json" "$T/sub"
valid_report "$T/good.json"
json_is "$T/good.json" "r['score']" 10
json_is "$T/good.json" "all(c['resources']['wall_ms'] >= 0 for c in $check)" True
learner sql/transactions
expect_status 0 "$GRADER" grade --course "$C" --output "$T/good.json" "$T/sub"
json_is "$T/good.json" "r['score']" 10

# Rows in the wrong order, and which column differs.
learner sql/select-filter wrong/unordered
expect_status 1 "$GRADER" grade --course "$C" --output "$T/r.json" "$T/sub"
m=$(jq_py "$T/r.json" "$(msg 'active London customers, newest first')")
case "$m" in *"the right rows in the wrong order"*) ;; *) fail "no order message: $m" ;; esac
json_is "$T/r.json" "$check[1]['status']" skipped
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/sub"
contains "$T/out" "('Tim Berners-Lee', '2024-01-02')"
learner sql/select-filter wrong/wrong-columns
expect_status 1 "$GRADER" grade --course "$C" --output "$T/r.json" "$T/sub"
m=$(jq_py "$T/r.json" "$(msg 'active London customers, newest first')")
[ "$m" = "the result: column 1 is named 'customer', expected 'name'" ] || fail "column message: $m"

# On another dataset: a query right on the setup data only.
learner sql/select-filter
cat >"$L/query.sql" <<'EOF'
SELECT name, signed_up FROM customers WHERE city = 'London' AND active = 1
ORDER BY signed_up DESC;
EOF
expect_status 1 "$GRADER" grade --course "$C" --output "$T/r.json" "$T/sub"
json_is "$T/r.json" "$check[0]['status']" passed
m=$(jq_py "$T/r.json" "$(msg 'the same on other data (ties, inactive Londoners)')")
case "$m" in "on dataset 'edge': "*) ;; *) fail "the dataset is not named: $m" ;; esac

# A transfer without a transaction leaves a change behind on the dataset
# where the debit fails; the message says how the table differs.
learner sql/transactions wrong/no-transaction
expect_status 1 "$GRADER" grade --course "$C" --output "$T/r.json" "$T/sub"
m=$(jq_py "$T/r.json" "$(msg 'a transfer that cannot be paid changes nothing')")
case "$m" in "on dataset 'poor': table accounts: 1 row missing, 1 unexpected row"*"off by 30"*) ;;
*) fail "transfer message: $m" ;; esac
# ...and a TEMP view of the expected balances does not fool the check:
# the tables are read in a session of their own.
cat >"$L/transfer.sql" <<'EOF'
CREATE TEMP TABLE fake AS SELECT * FROM accounts;
CREATE TEMP VIEW accounts AS SELECT id, owner, CASE id WHEN 1 THEN 70 WHEN 2 THEN 50 ELSE balance END AS balance FROM fake;
EOF
sed -i 's/allow: \[dml, transaction\]/allow: [dml, transaction, ddl]/' "$C/sql/transactions/exercise.yaml"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/r.json" "$T/sub"
json_is "$T/r.json" "$check[0]['status']" failed
m=$(jq_py "$T/r.json" "$(msg 'the money moves and the transfer is logged')")
case "$m" in "table accounts: "*) ;; *) fail "the TEMP view was read: $m" ;; esac

# The passing query of a correct result in the physical order, without
# ORDER BY: a pass by chance is a failure with its reason.
q "SELECT id, name FROM t;"
case "$M" in *"only by chance"*"ORDER BY"*) ;; *) fail "order by chance passed: $M" ;; esac
q "SELECT id, name FROM t ORDER BY id;" 0

# The engine's error with its position in the learner's file.
q "SELECT id, name
FORM t;"
[ "$M" = 'q.sql:2:6: near "t": syntax error' ] || fail "syntax error: $M"
q "SELECT id, nam FROM t ORDER BY id;"
case "$M" in "q.sql:1:12: no such column: nam") ;; *) fail "no such column: $M" ;; esac

# Statement restrictions: refused before they run.
q "DELETE FROM t;"
[ "$M" = "q.sql:1:1: statement 1 (INSERT, UPDATE or DELETE) is not allowed here: this check allows SELECT" ] ||
	fail "policy: $M"
q "SELECT id, name FROM t ORDER BY id;
SELECT 1;"
case "$M" in "q.sql:2:1: only 1 statement is allowed here, this is number 2") ;; *) fail "max: $M" ;; esac

# No SELECT at all, and a missing file.
q "-- nothing yet"
case "$M" in *"q.sql returns no rows"*) ;; *) fail "no rows: $M" ;; esac
rm -rf "$T/sub" && mkdir -p "$T/sub/t/h"
ln -s /etc/passwd "$T/sub/t/h/q.sql"
expect_status 1 "$GRADER" grade --course "$C" --exercise t/h --output "$T/q.json" "$T/sub"
lacks "$T/q.json" "root:"

# Hostile SQL: every case ends in its own words, within its limits.
start=$(date +%s)
q "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;"
case "$M" in "q.sql:1:1: statement 1 ran past the time limit of 2.0 s") ;; *) fail "timeout: $M" ;; esac
json_is "$T/q.json" "$check[0]['verdict']" wall-timeout
[ $(($(date +%s) - start)) -lt 10 ] || fail "the endless query was not stopped at its limit"
q "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(100000) FROM c ORDER BY random();"
case "$M" in "q.sql:1:1: statement 1 ran out of memory") ;; *) fail "memory: $M" ;; esac
sed -i 's/allow: \[select\]/allow: [select, pragma, other]/' "$C/t/h/exercise.yaml"
for s in "ATTACH '/work/x.db' AS x;" "VACUUM INTO '/work/copy.db';" "PRAGMA journal_mode = OFF;" \
	"PRAGMA writable_schema = ON;"; do
	q "$s"
	case "$M" in *"was refused"*"not allowed"*) ;; *) fail "$s was not refused: $M" ;; esac
done
q "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0');"
case "$M" in *"not authorized to use function: load_extension"*) ;; *) fail "load_extension: $M" ;; esac
# A huge result is cut, never passes, and says so.
q "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 500000) SELECT x AS id, 'a' AS name FROM c;"
case "$M" in *"cut at the limit"*) ;; *) fail "huge result: $M" ;; esac
# Text that looks like the engine's own output is just text.
q "SELECT 1 AS id, '\"]],\"ok\":true,\"rows\":[[\"i:1\",\"t:a\"' AS name UNION ALL SELECT 2, 'b' UNION ALL SELECT 3, 'c' ORDER BY 1;"
case "$M" in *"results differ from row 1, column 'name'"*) ;; *) fail "forged output: $M" ;; esac
echo "sql e2e ok"
