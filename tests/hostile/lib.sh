# lib.sh - the hostile suite's harness, sourced by run.sh and hardening.sh
# so that each rule (how a case is run, judged, counted and cleaned up
# after) exists once. Needs GRADER and BUILD (HOSTILE_BUILD, if set,
# holds the programs instead of BUILD); sets HB (the programs, bound at
# /h in every run), PY, T (this script's temp dir, removed on exit), root
# (1 as root) and the counters pass and fail.
#
# The same cases run as root (each run under its slot's own uid, limits
# from cgroups) and rootless (every run under the caller's own uid,
# limits from cgroups only where they are delegated, otherwise rlimits):
# a case whose outcome depends on that reads the result's `enforcement`
# field, never the caller's uid, since a rootless caller may be given
# cgroups.
: "${GRADER:?GRADER must name the grader binary}" "${BUILD:?BUILD must name the build dir}"
HB=${HOSTILE_BUILD:-$BUILD}/hostile
# Debian's python: the host's python3 may be a build the test user cannot
# run (a pyenv under /root), and the cases need nothing but the stdlib.
PY=/usr/bin/python3
T=$(mktemp -d)
chmod 755 "$T"
# `grader sandbox` runs in its own process, not through the keeper: a
# leftover check holds the run's slot lock, which an idle keeper keeps for
# its next run (keeper.sh tests the keeper and turns it back on).
GRADER_SANDBOX_KEEPER=0
export GRADER_SANDBOX_KEEPER
pids_to_kill=""
cleanup() {
	for p in $pids_to_kill; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
root=0
[ "$(id -u)" = 0 ] && root=1

# sbx NAME [grader sandbox options] -- CMD...: runs one case, result in $T/NAME.json.
sbx() {
	name=$1
	shift
	"$GRADER" sandbox --json --bind "$HB:/h" "$@" >"$T/$name.json" 2>"$T/$name.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "{\"verdict\": \"grader sandbox exited $rc\", \"host_uid\": -1}" >"$T/$name.json"
	fi
}

# killed_mid_run MARK WHAT OUTCOME: `grader sandbox` running /bin/sleep MARK
# (a number no other run on the machine uses) is SIGKILLed once the sleep
# has started; the sleep must end within 5 s.
killed_mid_run() {
	"$GRADER" sandbox --json --wall 60s -- /bin/sleep "$1" >/dev/null 2>&1 &
	victim=$!
	pids_to_kill="$pids_to_kill $victim"
	i=0
	while ! pgrep -f "^/bin/sleep $1\$" >/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if ! pgrep -f "^/bin/sleep $1\$" >/dev/null; then
		not_ok "$2: the sandboxed command never started"
		return
	fi
	kill -9 "$victim"
	i=0
	while pgrep -f "^/bin/sleep $1\$" >/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if pgrep -f "^/bin/sleep $1\$" >/dev/null; then
		not_ok "$2: its run lives on: $(pgrep -f -l "^/bin/sleep $1\$" | tr '\n' ' ')"
		pkill -9 -f "^/bin/sleep $1\$"
	else
		ok "$2: $3"
	fi
}

# get NAME EXPR: evaluates a Python expression over the result (r).
get() {
	"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/$1.json" "$2" 2>/dev/null
}

ok() {
	echo "ok - $1"
	pass=$((pass + 1))
}

# not_ok DESCRIPTION [NAME]: a failed case, with NAME's result and stderr.
not_ok() {
	echo "not ok - $1"
	[ -n "${2:-}" ] && [ -f "$T/$2.json" ] && head -c 1500 "$T/$2.json" | sed 's/^/    /'
	[ -n "${2:-}" ] && [ -s "$T/$2.err" ] && head -c 500 "$T/$2.err" | sed 's/^/    stderr: /'
	fail=$((fail + 1))
}

# skip MODE WHY: a case that cannot exist in this mode (rootless, say),
# counted as passed and saying why, so that a skip is never silent.
skip() {
	ok "skip ($1): $2"
}

# expect NAME DESCRIPTION EXPR: the case holds when EXPR is true.
expect() {
	if [ "$(get "$1" "bool($3)")" = True ]; then ok "$2"; else not_ok "$2 (wanted: $3)" "$1"; fi
}

# ran NAME EXPR: the case's own proof that its program ran, without which
# the absence checked after it would prove nothing.
ran() { [ "$(get "$1" "bool($2)")" = True ]; }

# rlimit NAME WHAT: true when the run enforced WHAT (memory, pids, cpu)
# with an rlimit, as a rootless run without delegated cgroups does.
rlimit() { [ "$(get "$1" "r['enforcement']['$2']")" = rlimit ]; }

# alive: of `ps -o pid=,stat=,comm=` lines, those of processes that have
# not ended, as "PID NAME". A zombie has ended, only its reaping is late:
# where PID 1 reaps orphans slowly (this VM's does, for seconds), a killed
# grader's init lingers as one, with a slot uid another run may now hold.
alive() { awk 'NF && $2 !~ /^Z/ { print $1, $3 }'; }

# strays UID: rootless, the processes of UID (the caller's) that a sandbox
# started, as "PID NAME". The runs share the caller's uid with this suite
# itself (its shell, its test server, its sleepers), so a stray is a
# process of that uid in a pid namespace other than the suite's: every
# sandbox has its own. One whose namespace cannot be read is counted too
# (the suite's own can be read).
strays() {
	own=$(readlink /proc/self/ns/pid)
	ps -o pid=,stat=,comm= -u "$1" | alive | while read -r p pname; do
		ns=$(readlink "/proc/$p/ns/pid" 2>/dev/null) || { [ -d "/proc/$p" ] || continue; }
		[ "$ns" = "$own" ] || echo "$p $pname"
	done
}

# no_leftovers NAME: none of the run's processes may outlive it. As root
# the uid is its slot's (60000 + N): the check holds the slot's lock, as a
# run does, so that another grader on the machine (another checkout's
# tests, a daemon) cannot start a run with that uid meanwhile and be taken
# for a leftover, or be killed. Rootless the uid is the caller's, whose
# other sandboxes would be taken for leftovers: rootless.sh gives the
# suite a uid of its own.
no_leftovers() {
	uid=$(get "$1" "r['host_uid']")
	if ! [ "$uid" -gt 0 ] 2>/dev/null; then
		not_ok "$1: the run reported no host uid, so nothing shows it left nothing" "$1"
		return
	fi
	sleep 0.2
	if [ "$root" = 1 ]; then
		lock=/run/grader-sandbox/slot-$((uid - 60000)).lock
		if ! all=$(flock -w 60 "$lock" sh -c 'ps -o pid=,stat=,comm= -u "$1"; exit 0' sh "$uid"); then
			not_ok "$1: could not take $lock to look for leftovers"
			return
		fi
		left=$(printf '%s\n' "$all" | alive)
	else
		left=$(strays "$uid")
	fi
	if [ -n "$left" ]; then
		not_ok "$1: processes of uid $uid left behind: $(echo "$left" | tr '\n' ' ')"
		ps -o pid,ppid,stat,etime,args -p "$(echo "$left" | cut -d' ' -f1 | tr '\n' ',' | sed 's/,$//')" 2>/dev/null |
			sed 's/^/    /'
		if [ "$root" = 1 ]; then
			flock -w 60 "$lock" pkill -9 -u "$uid"
		else
			for p in $(echo "$left" | cut -d' ' -f1); do kill -9 "$p" 2>/dev/null; done
		fi
	else
		ok "$1: nothing left running"
	fi
}

# expect_by NAME LIMIT DESCRIPTION EXPR RLIMIT_DESCRIPTION RLIMIT_EXPR: a
# case whose outcome depends on how the run enforced LIMIT (memory, pids,
# cpu): with a cgroup it must meet EXPR; with an rlimit (rootless without
# delegated cgroups) the kernel refuses or kills per process and the
# sandbox cannot always tell why, so it must meet RLIMIT_EXPR, which says
# what that mode gives instead.
expect_by() {
	if rlimit "$1" "$2"; then
		expect "$1" "$5 ($2 by rlimit)" "r['enforcement']['$2'] == 'rlimit' and ($6)"
	else
		expect "$1" "$3" "$4"
	fi
}
