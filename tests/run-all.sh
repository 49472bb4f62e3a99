#!/bin/sh
# run-all.sh - what `make test` (and `make asan`) runs: unit tests, end-to-end
# tests, sandbox/ linked alone, the hostile-program suite (as root, then
# again rootless) and a short run of every fuzz target.
# Each suite ends with "SUITE: N passed, M failed"; this script sums them
# and prints the total, last in Check's summary format ("100%: Checks: N, ...").
# GRADER_TEST_SUITES, if set, names the suites to run (e.g. "hostile
# hostile-rootless"); by default all of them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${GRADER:?}" "${BUILD:?}"
export GRADER BUILD
all_suites="unit sandbox-alone e2e hostile hostile-rootless fuzz"
suites=${GRADER_TEST_SUITES:-$all_suites}
for s in $suites; do
	case " $all_suites " in
	*" $s "*) ;;
	*)
		echo "run-all.sh: GRADER_TEST_SUITES: no suite '$s' (the suites: $all_suites)" >&2
		exit 2
		;;
	esac
done
# selected SUITE: whether SUITE is to run
selected() {
	case " $suites " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}
notes=""
total_pass=0
total_fail=0
suites_failed=""
# Every failing check's line, repeated at the end: CI shows only the tail
# of a long run, and the tail must name what failed.
failures=$(mktemp)
# PostgreSQL for the tests that use it (the queue's back end, the sql
# kind's postgres engine): CI starts one (ci/start-postgres.sh) and sets
# GRADER_TEST_PG; otherwise one cluster is started here for the whole run.
# The sql kind reads its server from GRADER_POSTGRES.
pg_dir=""
if { selected unit || selected e2e; } && [ -z "${GRADER_TEST_PG:-}" ] && GRADER_TEST_PG=$(sh "$here/pg.sh" start 2>/dev/null); then
	export GRADER_TEST_PG
	pg_dir=$(printf '%s\n' "$GRADER_TEST_PG" | sed -n 's/.*host=\([^&]*\).*/\1/p')
fi
if [ -n "${GRADER_TEST_PG:-}" ] && [ -z "${GRADER_POSTGRES:-}" ]; then
	GRADER_POSTGRES=$GRADER_TEST_PG
	export GRADER_POSTGRES
fi
trap 'rm -f "$failures"; [ -z "$pg_dir" ] || sh "$here/pg.sh" stop "$pg_dir" >/dev/null 2>&1' EXIT

run_suite() {
	name=$1
	shift
	echo "== $name"
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
	grep -E '^not ok|:[EF]:' "$log" | sed "s/^/$name: /" >>"$failures"
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "$name: the suite printed no summary line"
		total_fail=$((total_fail + 1))
		suites_failed="$suites_failed $name"
		return
	fi
	p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.*, ([0-9]+) failed.*/\1/')
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -eq 0 ] || suites_failed="$suites_failed $name"
}

selected unit && run_suite unit sh "$here/run-unit.sh"
# sandbox/ linked alone (make sandbox-lib): it must run commands by itself.
selected sandbox-alone && run_suite sandbox-alone "$BUILD/sandbox-alone"
selected e2e && run_suite e2e sh "$here/e2e/run.sh"
# The hostile suite in both of the sandbox's modes: as root (slot uids,
# cgroups) and rootless (the caller's uid, rlimits where no cgroup is
# delegated), which rootless.sh runs as a uid of its own. Unprivileged,
# run.sh could only repeat the rootless run, so it runs once.
if [ "$(id -u)" = 0 ]; then
	selected hostile && run_suite hostile sh "$here/hostile/run.sh"
elif selected hostile; then
	echo "== hostile: skipped, not root: the suite runs rootless only (hostile-rootless)"
	notes="${notes}note: the hostile suite's root mode was not covered (make test as root runs both)
"
	selected hostile-rootless || suites="$suites hostile-rootless"
fi
selected hostile-rootless && run_suite hostile-rootless sh "$here/hostile/rootless.sh"
if selected fuzz && [ "${GRADER_SKIP_FUZZ:-0}" != 1 ] && [ -d "$(dirname "$BUILD")/build-fuzz/fuzz" ]; then
	run_suite fuzz env BUILD="$(dirname "$BUILD")/build-fuzz" FUZZ_SECONDS="${FUZZ_SECONDS:-5}" \
		sh "$here/fuzz/run.sh"
fi
if [ -n "$suites_failed" ]; then
	echo "failing suites:$suites_failed"
	cat "$failures"
fi
printf '%s' "$notes"
echo "$total_pass passed, $total_fail failed"
# The last line is a summary in Check's own format over every suite, so
# tools that read Check's output read this run's total too.
total=$((total_pass + total_fail))
echo "$(( total ? total_pass * 100 / total : 100 ))%: Checks: $total, Failures: $total_fail, Errors: 0"
[ "$total_fail" -eq 0 ]
