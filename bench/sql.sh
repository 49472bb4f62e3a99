#!/bin/sh
# sql.sh - the sql kind's speed: checks per second of a 10-check exercise
# on SQLite and on PostgreSQL, from the marginal cost of 9 more checks
# (a 10-check exercise against a 1-check one, both in the same run), the
# whole `grader grade` of it in a fresh process, and as the baseline the
# same queries run bare (sqlite3 on a fresh copy of the database; psql on
# an existing one). On PostgreSQL also the time to clone a database from
# a template and drop it, which every batch pays. Medians over BENCH_RUNS
# (default 15). PostgreSQL runs when GRADER_POSTGRES is set, or when
# tests/pg.sh can start a throwaway cluster. Never fails on a timing.
set -u
: "${GRADER:?GRADER must name the grader binary}" "${ROOT:?ROOT must name the source tree}"
runs=${BENCH_RUNS:-15}
[ "$runs" -gt 30 ] && runs=30
T=$(mktemp -d)
pg_dir=""
cleanup() {
	[ -z "$pg_dir" ] || sh "$ROOT/tests/pg.sh" stop "$pg_dir" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
[ -z "${BENCH_DEBUG:-}" ] || set -x
PY=/usr/bin/python3

# course ENGINE NCHECKS DIR: a course of one exercise with NCHECKS checks
# comparing the learner's query with the reference on 2,000 rows.
course() {
	d="$3/b/q"
	mkdir -p "$d/solution" "$3/sub/b/q"
	cat >"$d/schema.sql" <<'EOF'
CREATE TABLE orders (id integer PRIMARY KEY, customer integer NOT NULL, total numeric(8,2) NOT NULL);
EOF
	$PY -c 'print("INSERT INTO orders VALUES " + ",".join("(%d,%d,%d.%02d)" % (i, i % 50, i % 997, i % 100) for i in range(1, 2001)) + ";")' >"$d/seed.sql"
	q="SELECT customer, count(*) AS n, sum(total) AS spent FROM orders GROUP BY customer ORDER BY customer;"
	echo "$q" >"$d/solution/q.sql"
	echo "$q" >"$3/sub/b/q/q.sql"
	{
		printf 'id: b/q\ntitle: Bench\nkind: sql\nfiles: [q.sql]\n'
		printf 'sql: { engine: %s, setup: [schema.sql, seed.sql] }\nchecks:\n' "$1"
		i=1
		while [ "$i" -le "$2" ]; do
			printf '  - name: c%d\n    allow: [select]\n    expect: { rows: reference, order: ordered }\n' "$i"
			i=$((i + 1))
		done
	} >"$d/exercise.yaml"
	printf 'title: B\nexercises:\n  - { path: b/q }\n' >"$3/course.yaml"
}

# median_ms RUNS CMD...: the median wall time of CMD in ms.
median_ms() {
	$PY - "$@" <<'EOF'
import subprocess, sys, time
runs = int(sys.argv[1]); cmd = sys.argv[2:]
ts = []
for _ in range(runs):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append((time.perf_counter() - t) * 1000)
    if r.returncode != 0:
        print("nan"); sys.exit(0)
ts.sort()
print("%.1f" % ts[len(ts) // 2])
EOF
}

# bench ENGINE BARE-CMD...: one table row set for an engine.
bench() {
	eng=$1
	shift
	course "$eng" 1 "$T/$eng-1"
	course "$eng" 10 "$T/$eng-10"
	one=$(median_ms "$runs" "$GRADER" grade -q --course "$T/$eng-1" --output "$T/r.json" "$T/$eng-1/sub")
	ten=$(median_ms "$runs" "$GRADER" grade -q --course "$T/$eng-10" --output "$T/r.json" "$T/$eng-10/sub")
	bare=$(median_ms "$runs" "$@")
	$PY - "$eng" "$one" "$ten" "$bare" <<'EOF'
import sys
eng, one, ten, bare = sys.argv[1], *map(float, sys.argv[2:])
per = (ten - one) / 9
print("%-10s grade, 1 check      %8.1f ms" % (eng, one))
print("%-10s grade, 10 checks    %8.1f ms" % (eng, ten))
print("%-10s per check (marginal)%8.1f ms   %.0f checks/s" % (eng, per, 1000 / per if per > 0 else float("inf")))
print("%-10s bare query          %8.1f ms   ratio per check / bare %.2fx" % (eng, bare, per / bare if bare > 0 else float("nan")))
EOF
}

echo "medians of $runs runs"
if command -v sqlite3 >/dev/null; then
	course sqlite 1 "$T/bare"
	sqlite3 "$T/base.db" <"$T/bare/b/q/schema.sql"
	sqlite3 "$T/base.db" <"$T/bare/b/q/seed.sql"
	cat >"$T/bare.sh" <<EOF
cp "$T/base.db" "$T/copy.db" && sqlite3 "$T/copy.db" <"$T/bare/b/q/solution/q.sql" && rm -f "$T/copy.db"
EOF
	bench sqlite sh "$T/bare.sh"
else
	echo "sqlite: sqlite3 is not installed (the bare baseline); skipped"
fi

if [ -z "${GRADER_POSTGRES:-}" ] && url=$(sh "$ROOT/tests/pg.sh" start 2>/dev/null); then
	pg_dir=$(printf '%s\n' "$url" | sed -n 's/.*host=\([^&]*\).*/\1/p')
	GRADER_POSTGRES=$url
	export GRADER_POSTGRES
fi
if [ -n "${GRADER_POSTGRES:-}" ]; then
	PSQL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
	[ -x "$PSQL" ] || PSQL=psql
	"$PSQL" "$GRADER_POSTGRES" -qc "DROP DATABASE IF EXISTS grader_bench" -c "CREATE DATABASE grader_bench" >/dev/null 2>&1
	bench_db=$(printf '%s\n' "$GRADER_POSTGRES" | sed 's|postgresql:///[^?]*|postgresql:///grader_bench|')
	course postgres 1 "$T/pgbare"
	"$PSQL" "$bench_db" -q -f "$T/pgbare/b/q/schema.sql" -f "$T/pgbare/b/q/seed.sql" >/dev/null
	bench postgres "$PSQL" "$bench_db" -q -f "$T/pgbare/b/q/solution/q.sql"
	cat >"$T/clone.sh" <<EOF
"$PSQL" "$GRADER_POSTGRES" -q -c "CREATE DATABASE grader_bench_clone TEMPLATE grader_bench" -c "DROP DATABASE grader_bench_clone"
EOF
	cat >"$T/noop.sh" <<EOF
"$PSQL" "$GRADER_POSTGRES" -q -c "SELECT 1" -c "SELECT 1"
EOF
	clone=$(median_ms "$runs" sh "$T/clone.sh")
	noop=$(median_ms "$runs" sh "$T/noop.sh")
	$PY -c "import sys; c, n = map(float, sys.argv[1:]); print('postgres   clone + drop a database %8.1f ms   (%.1f ms of it psql itself)' % (c - n, n))" "$clone" "$noop"
	"$PSQL" "$GRADER_POSTGRES" -qc "DROP DATABASE IF EXISTS grader_bench" >/dev/null 2>&1
else
	echo "postgres: no server (set GRADER_POSTGRES or install postgresql); skipped"
fi
