#!/bin/sh
# hardening.sh - hostile cases for honest verdicts and the work dir's
# ownership, in the manner of run.sh (same variables: GRADER, BUILD,
# HOSTILE_BUILD; prints "ok - ..." / "not ok - ..." and ends with
# "hardening: N passed, M failed"):
# - a program that meets the pids limit and copes exits 0: ok, with the
#   refused fork counted; the same program giving up: process-limit; a
#   fork bomb: killed, process-limit;
# - a thread dying of a stack overflow: runtime-error whose message says
#   a segfault may be a stack overflow and names the stack limit;
# - a hard link planted in the work dir to a host file: never chowned to
#   the run's uid, never written;
# - the mounts the sandbox makes itself (/, /tmp, /dev, /proc) name no
#   host temporary path in /proc/self/mountinfo or /proc/self/mounts;
# - rootless (as nobody, when run as root): the coping program is ok.
set -u
: "${GRADER:?GRADER must name the grader binary}" "${BUILD:?BUILD must name the build dir}"
HB=${HOSTILE_BUILD:-$BUILD}/hostile
PY=/usr/bin/python3
T=$(mktemp -d)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
root=0
[ "$(id -u)" = 0 ] && root=1

# case NAME [grader sandbox options] -- CMD...: one run, result in $T/NAME.json.
case_run() {
	name=$1
	shift
	"$GRADER" sandbox --json --bind "$HB:/h" "$@" >"$T/$name.json" 2>"$T/$name.err" ||
		echo '{"verdict": "grader sandbox failed"}' >"$T/$name.json"
}

# check NAME DESCRIPTION EXPR: holds when the Python EXPR over the result r is true.
check() {
	if [ "$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(bool(eval(sys.argv[2])))' \
		"$T/$1.json" "$3" 2>/dev/null)" = True ]; then
		echo "ok - $2"
		pass=$((pass + 1))
	else
		echo "not ok - $2 (wanted: $3)"
		head -c 1500 "$T/$1.json" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

say() {
	echo "$1 - $2"
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

# ---- the process limit: coping is ok, giving up or a bomb is not ----

case_run coping --pids 8 --wall 10s -- /h/fork_coping
check coping "pids limit met and handled, exit 0: ok with the refusal counted" \
	"'coped with' in r['stdout']['text'] and ('fork refused' in r['stdout']['text']) and (r['verdict'] == 'ok' and r['exit_code'] == 0) and (r['enforcement']['pids'] == 'rlimit' or (r['forks_refused'] >= 1 and 'refused at the process limit' in r['message']))"

case_run giving_up --pids 8 --wall 10s -- /h/fork_coping give-up
check giving_up "pids limit met, then exit 3: process-limit" \
	"'fork refused' in r['stdout']['text'] and r['exit_code'] == 3 and (r['verdict'] == 'process-limit' or r['enforcement']['pids'] == 'rlimit')"

case_run bomb --pids 32 --wall 10s -- /h/forkbomb
check bomb "fork bomb: killed at the limit, process-limit" \
	"r['verdict'] == 'process-limit' and r['signal'] != 0 and r['forks_refused'] >= 100 and r['wall_s'] < 9"

# ---- a stack overflow in a thread ----

case_run stack --wall 10s -- /h/thread_stack
# the grader (and so the command) inherits this shell's stack limit
want=$("$PY" -c 'import resource; s = resource.getrlimit(resource.RLIMIT_STACK)[0]; print("unlimited" if s == resource.RLIM_INFINITY else "%.1f MiB" % (s / 1048576))')
check stack "thread stack overflow: runtime-error naming the stack limit ($want)" \
	"'thread started' in r['stdout']['text'] and r['verdict'] == 'runtime-error' and r['signal'] == 11 and 'stack overflow' in r['message'] and '$want' in r['message']"

# ---- a hard link planted in the work dir ----

if [ "$root" = 1 ]; then
	mkdir -p "$T/work" "$T/host"
	echo "host data" >"$T/host/file"
	chmod 600 "$T/host/file"
	ln "$T/host/file" "$T/work/planted"
	echo "own" >"$T/work/own"
	case_run hardlink --workdir "$T/work" --wall 5s -- /bin/sh -c 'echo pwned >planted 2>/dev/null; echo pwned >>own; echo marker-ran'
	uid=$(stat -c %u "$T/host/file")
	own_uid=$(stat -c %u "$T/work/own")
	if ! grep -q marker-ran "$T/hardlink.json"; then
		say "not ok" "hard link: the run never ran"
	elif [ "$uid" != 0 ] || [ "$(cat "$T/host/file")" != "host data" ]; then
		say "not ok" "hard link: the host file was handed over (uid $uid) or written"
	elif [ "$own_uid" = 0 ] || [ "$(tail -n 1 "$T/work/own")" != pwned ]; then
		say "not ok" "hard link: the work dir's own file was not handed over (uid $own_uid)"
	else
		say ok "hard link to a host file in the work dir: not chowned, not written; the work dir's own file was"
	fi
else
	say ok "hard link: skipped (only root hands the work dir to another uid)"
fi

# ---- mountinfo: the sandbox's own mounts name no host temporary path ----

tmp_prefix=$(dirname "$T")
[ "$tmp_prefix" = / ] && tmp_prefix=$T
case_run mounts --wall 5s -- /h/mountinfo "$T" "$tmp_prefix/"
check mounts "/proc/self/mountinfo and mounts name neither $T nor $tmp_prefix/" \
	"r['verdict'] == 'ok' and r['exit_code'] == 0 and 'read ' in r['stdout']['text'] and int(r['stdout']['text'].split('read ')[1].split()[0]) > 10"

# ---- rootless ----

if [ "$root" = 1 ] && command -v setpriv >/dev/null 2>&1; then
	U="$T/nobody"
	mkdir -p "$U"
	cp "$GRADER" "$U/grader"
	cp -R "$HB" "$U/h"
	chmod -R a+rX "$U"
	(cd "$U" && setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"$U/grader" sandbox --json --bind "$U/h:/h-$$" --pids 8 --wall 10s -- "/h-$$/fork_coping") \
		>"$T/user_coping.json" 2>"$T/user_coping.err" ||
		echo '{"verdict": "failed to run as nobody"}' >"$T/user_coping.json"
	check user_coping "rootless: pids limit met and handled: ok" \
		"'coped with' in r['stdout']['text'] and r['verdict'] == 'ok' and r['host_uid'] == 65534"
fi

echo "hardening: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
