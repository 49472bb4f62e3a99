#!/bin/sh
# keeper.sh - hostile cases for `grader sandbox`'s keeper (the process
# that starts runs for command lines on cgroup v1 hosts, as root;
# grader/cli/sandbox_keeper.c), with run.sh's harness (lib.sh; prints
# "ok - ..." / "not ok - ..." and ends with "keeper: N passed, M failed"):
# - a run through the keeper reports what a run in the command line's own
#   process reports (verdict, exit code, output, stdin and work dir named
#   by relative paths, limits);
# - the keeper is detached: a command line's output ends when it does;
# - a command line killed mid-run takes its run with it, and the keeper
#   serves the next one;
# - nobody but root reaches its socket; garbage on the socket gets no
#   answer and harms no later run;
# - a caller whose rlimits or capabilities differ gets a keeper of its own;
# - an idle keeper ends and frees its slots; one killed is replaced;
# - a run whose sandbox the keeper made ahead (prestarted) gets its own
#   stdin, work dir, binds and /tmp size, and nothing of the run before
#   it; one of another /tmp size, or after its prestarted init was
#   killed, starts cold and right.
# lib.sh turns the keeper off for the other suites (their leftover checks
# take slot locks, which an idle keeper holds); this one turns it on, with
# an idle time of its own, so that its keepers are its own: a keeper is
# shared only by command lines alike in everything, the idle time too.
set -u
. "$(dirname "$0")/lib.sh"
unset GRADER_SANDBOX_KEEPER
IDLE=$((300 + $$ % 500))
export GRADER_SANDBOX_KEEPER_IDLE=$IDLE GRADER_KEEPER_TEST=$$

summary() {
	echo "keeper: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# keepers [IDLE]: the pids of this suite's keepers (by the marker in their
# environment, which the first command line gave them).
keepers() {
	want=${1:-$IDLE}
	for p in $(pgrep -x grader-keeper); do
		env=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ") 2>/dev/null || continue
		printf '%s\n' "$env" | grep -qx "GRADER_KEEPER_TEST=$$" || continue
		printf '%s\n' "$env" | grep -qx "GRADER_SANDBOX_KEEPER_IDLE=$want" && echo "$p"
	done
}
# end_keeper PID: kill -9, and wait until it has ended (a zombie has: PID
# 1 here reaps late). Dying, it still holds its lock, so a command line
# meanwhile would find no keeper to start and run its command itself; an
# asan build's teardown of its address space takes a while.
end_keeper() {
	kill -9 "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null &&
		[ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
cleanup_keepers() {
	for p in $(pgrep -x grader-keeper); do
		{ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "GRADER_KEEPER_TEST=$$" &&
			kill -9 "$p" 2>/dev/null
	done
	cleanup
}
trap cleanup_keepers EXIT

if [ "$root" != 1 ]; then
	sbx rootless -- /bin/echo rootless
	if ran rootless "r['stdout']['text'] == 'rootless\n'" && [ -z "$(keepers)" ]; then
		ok "rootless: the run is the command line's own, no keeper started"
	else
		not_ok "rootless: a keeper was started, or the run failed: $(keepers)" rootless
	fi
	summary
fi

sbx first -- /bin/echo first
K=$(keepers)
if ! ran first "r['stdout']['text'] == 'first\n'"; then
	not_ok "a run through the keeper" first
	summary
fi
if [ -z "$K" ]; then
	# all controllers on cgroup v2: runs are born in their cgroup anyway
	skip "no cgroup v1" "a command line starts its runs itself, as fast, and no keeper is made"
	summary
fi
ok "the first command line started a keeper (pid $K)"

# ---- the same results as a run in the command line's own process ----
mkdir -p "$T/cases/work"
echo "from a relative stdin path" >"$T/cases/in.txt"
# both ways: NAME, then the options and command
both() {
	n=$1
	shift
	(cd "$T/cases" && sbx "$n-keeper" "$@")
	(cd "$T/cases" && GRADER_SANDBOX_KEEPER=0 sbx "$n-direct" "$@")
}
same() {
	n=$1
	what=$2
	fields="(r['verdict'], r['exit_code'], r['signal'], r['stdout'], r['stderr'], r.get('denied_syscall'), r['refused_syscalls'], r['enforcement'])"
	a=$(get "$n-keeper" "$fields")
	b=$(get "$n-direct" "$fields")
	if [ -n "$a" ] && [ "$a" = "$b" ] && ran "$n-keeper" "$3"; then
		ok "through the keeper as in the command line's own process: $what"
	else
		not_ok "through the keeper: $what: $a, but in the command line's own process: $b" "$n-keeper"
	fi
}
both stdin --stdin in.txt -- /bin/cat
same stdin "stdin named by a relative path" "r['stdout']['text'] == 'from a relative stdin path\n'"
both workdir --workdir work -- /bin/sh -c 'echo made >/work/made; cat /work/made; exit 3'
same workdir "a work dir named by a relative path, exit code 3" "r['exit_code'] == 3 and r['stdout']['text'] == 'made\n'"
both memory --mem 32MiB -- "$PY" -c 'x = bytearray(100 << 20)'
same memory "a memory hog: memory-limit" "r['verdict'] == 'memory-limit'"
both output --out 1KiB -- /bin/sh -c 'yes | head -c 100000'
same output "output past --out: truncated" "r['stdout']['truncated'] and r['stdout']['bytes'] == 100000"
both denied -- "$PY" -c 'import ctypes; ctypes.CDLL(None).unshare(0x20000)'
same denied "unshare: syscall-denied, named" "r['verdict'] == 'syscall-denied' and r['denied_syscall'] == 'unshare'"
both env --env A=b -- /bin/sh -c 'echo "$A"; echo err >&2'
same env "--env and stderr" "r['stdout']['text'] == 'b\n' and r['stderr']['text'] == 'err\n'"
# several command lines at once: one keeper, runs side by side in slots
# of their own; and a result of 8 MiB of output in one piece
for i in 1 2 3 4; do
	sbx "par$i" -- /bin/sh -c "sleep 1; echo par$i" &
done
wait
uids=$(for i in 1 2 3 4; do get "par$i" "r['host_uid'] if r['stdout']['text'] == 'par$i\n' else 'failed'"; done | sort -u | tr '\n' ' ')
if [ "$(echo "$uids" | wc -w)" = 4 ] && ! echo "$uids" | grep -q failed; then
	ok "4 command lines at once: each its run, in 4 slots ($uids)"
else
	not_ok "4 command lines at once: uids '$uids'" par1
fi
sbx big --out 8MiB -- /bin/sh -c 'head -c 8388608 /dev/zero | tr "\0" x'
expect big "8 MiB of output comes back whole" \
	"r['stdout']['bytes'] == 8388608 and len(r['stdout']['text']) == 8388608 and not r['stdout']['truncated'] and set(r['stdout']['text']) == {'x'}"
if [ "$(keepers)" = "$K" ]; then
	ok "every one of them went through the same keeper"
else
	not_ok "the keeper changed or multiplied: was $K, now $(keepers)"
fi

# ---- prestarted: the next run's sandbox made ahead once a run is over ----
# Each run leaves what it can in /tmp, /dev/shm, a SysV segment and a
# background process, and says what it found of the run before it.
mkdir -p "$T/cases/warm"
echo "bound in" >"$T/cases/bound.txt"
probe='cat; cat /data/bound; ls /work | tr "\n" " "; echo; ls -A /tmp /dev/shm | tr "\n" " "; echo
ipcs -m | grep -c "^0x"; df -k /tmp | awk "NR == 2 { print \$2 }"
touch /tmp/left /dev/shm/left /work/n$N; ipcmk -M 4096 >/dev/null; sleep $S &'
warm_run() {
	(cd "$T/cases" && sbx "$1" --workdir warm --stdin in.txt --bind "$T/cases/bound.txt:/data/bound" \
		--env N="$2" --env S="3$$" --tmp "$3" -- /bin/sh -c "$probe")
}
# what a run must print: its stdin, the bind, the work dir's files so far,
# empty /tmp and /dev/shm, no segment, its /tmp size in KiB
fresh() {
	printf '%s\n' "r['verdict'] == 'ok' and r['stdout']['text'] == 'from a relative stdin path\nbound in\n$1\n/dev/shm:  /tmp: \n0\n$2\n'"
}
warm_run warm1 1 8MiB
warm_run warm2 2 8MiB
warm_run warm3 3 8MiB
expect warm2 "a prestarted run: its stdin, bind and work dir, nothing left of the run before" \
	"r['prestarted'] and $(fresh "n1 " 8192)"
expect warm3 "and the next one too (each run a sandbox of its own)" \
	"r['prestarted'] and $(fresh "n1 n2 " 8192)"
warm_run warm4 4 16MiB
expect warm4 "another /tmp size: started cold, with its own size" \
	"not r['prestarted'] and $(fresh "n1 n2 n3 " 16384)"
warm_run warm5 5 16MiB
expect warm5 "and the next of that size is prestarted" \
	"r['prestarted'] and $(fresh "n1 n2 n3 n4 " 16384)"
# The keeper's children while it is idle are its launchers' prestarted
# inits (slot uids, named sandbox-init), one per slot it used.
warm_init=$(for c in $(pgrep -P "$K" -x sandbox-init); do
	[ "$(stat -c %u "/proc/$c" 2>/dev/null || echo 0)" -ge 60000 ] && echo "$c"
done)
if [ -n "$warm_init" ]; then
	kill -9 $warm_init
	sleep 0.2
	warm_run warm6 6 16MiB
	expect warm6 "its prestarted init killed while idle: the next run starts cold and right" \
		"not r['prestarted'] and $(fresh "n1 n2 n3 n4 n5 " 16384)"
else
	not_ok "no prestarted init among the keeper's children: $(pgrep -P "$K" | tr '\n' ' ')"
fi
left=$(ps -eo pid=,stat=,args= | awk -v s="3$$" '$2 !~ /^Z/ && $3 == "sleep" && $4 == s')
if [ -z "$left" ]; then
	ok "no run's background sleep outlived its run"
else
	not_ok "a run's background process lives on: $left"
fi

# ---- detached: nothing of the command line's is held by the keeper ----
out=$(timeout 20 "$GRADER" sandbox -- /bin/echo detached 2>/dev/null)
rc=$?
if [ "$rc" = 0 ] && [ "$out" = detached ]; then
	ok "a command line's output ends with it (the keeper holds none of its fds)"
else
	not_ok "\$(grader sandbox ...) did not end by itself (rc $rc, '$out')"
fi
leaked=$(ls -l "/proc/$K/fd" 2>/dev/null | grep -c 'pipe:\|/dev/pts\|/dev/tty' || true)
[ "$leaked" = 0 ] && ok "the keeper has no pipe or terminal open" ||
	not_ok "the keeper holds $leaked pipes or terminals: $(ls -l "/proc/$K/fd" | tr '\n' ' ')"

# ---- a command line killed mid-run: its run dies, the keeper lives ----
killed_mid_run "43$$" "command line killed mid-run (kill -9)" "the keeper ends its run"
sbx after-kill -- /bin/echo again
if ran after-kill "r['stdout']['text'] == 'again\n'" && [ "$(keepers)" = "$K" ]; then
	ok "and serves the next command line"
else
	not_ok "no run after the kill, or another keeper ($(keepers), was $K)" after-kill
fi

# ---- its socket: root's alone; garbage gets nothing ----
# its listening socket's path, by the inode of a socket it holds
path=$(for i in $(ls -l "/proc/$K/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p'); do
	awk -v i="$i" '$7 == i && $8 ~ /keeper-/ { print $8 }' /proc/net/unix
done | head -1)
modes=$(stat -c '%a %U' /run/grader-sandbox "$path" 2>/dev/null | tr '\n' ' ')
if [ -n "$path" ] && [ "$modes" = "700 root 700 root " ]; then
	ok "its socket ($path) is root's, mode 700, in root's directory, mode 700"
else
	not_ok "its socket's directory and socket: '$modes' ($path)"
fi
nobody=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(type(e).__name__)' "$path" 2>&1)
case "$nobody" in
PermissionError) ok "uid 65534 cannot connect to it (PermissionError)" ;;
*) not_ok "uid 65534 connecting to the keeper: $nobody" ;;
esac
garbage=$("$PY" -c '
import os, socket, struct, sys
said = []
for payload in (b"\xff" * 8, struct.pack("<Q", 1 << 40), struct.pack("<Q", 12) + b"GKP1junkjunk",
                struct.pack("<Q", 64) + os.urandom(64), b""):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(10)
    said.append(s.recv(100))
    s.close()
print(said)' "$path" 2>&1)
sbx after-garbage -- /bin/echo still
if [ "$garbage" = "[b'', b'', b'', b'', b'']" ] && ran after-garbage "r['stdout']['text'] == 'still\n'" &&
	[ "$(keepers)" = "$K" ]; then
	ok "garbage requests get no answer, and the keeper serves the next command line"
else
	not_ok "garbage on the keeper's socket: answers $garbage; keepers now $(keepers) (was $K)" after-garbage
fi

# ---- another rlimit, fewer capabilities: another keeper ----
# own_keeper NAME WHAT EXPR: run NAME (EXPR: it ran as meant), made by a
# command line unlike the others, went to a keeper of its own, which is
# then ended.
own_keeper() {
	n=$(keepers | wc -l)
	if [ "$n" = 2 ] && ran "$1" "$3"; then
		ok "$2: a keeper of its own"
	else
		not_ok "$2: $n keepers ($(keepers | tr '\n' ' '))" "$1"
	fi
	for p in $(keepers); do [ "$p" = "$K" ] || end_keeper "$p"; done
}
# the run inherits the rlimit
(ulimit -s 4096 && sbx stack -- /bin/sh -c 'ulimit -s')
own_keeper stack "ulimit -s 4096 (and the run has a 4 MiB stack)" "r['stdout']['text'] == '4096\n'"
# a root caller without a capability must not have its run made by a
# keeper that has it
setpriv --bounding-set=-sys_nice --inh-caps=-sys_nice "$GRADER" sandbox --json \
	-- /bin/echo capped >"$T/capped.json" 2>"$T/capped.err"
own_keeper capped "a caller without CAP_SYS_NICE in its bounding set" "r['stdout']['text'] == 'capped\n'"

# ---- idle: it ends and frees its slots; killed: it is replaced ----
(GRADER_SANDBOX_KEEPER_IDLE=2 GRADER_SANDBOX_KEEPER_LOG="$T/keeper.log" sbx short -- /bin/echo short)
S=$(keepers 2)
slot=$(($(get short "r['host_uid']") - 60000))
if [ -z "$S" ] || ! ran short "r['stdout']['text'] == 'short\n'"; then
	not_ok "a keeper with a 2 s idle time did not start" short
else
	i=0
	while kill -0 "$S" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$S" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$S/status" 2>/dev/null; then
		not_ok "the keeper with a 2 s idle time still runs after 10 s"
	elif flock -n "/run/grader-sandbox/slot-$slot.lock" true; then
		ok "an idle keeper ends (2 s idle) and frees the slot it used ($slot)"
	else
		not_ok "the idle keeper ended, but slot $slot is still locked"
	fi
	# what it wrote on stderr, to the end (an asan build's leak report
	# comes at exit): nothing
	if [ -f "$T/keeper.log" ] && [ ! -s "$T/keeper.log" ]; then
		ok "the keeper wrote nothing on its stderr (GRADER_SANDBOX_KEEPER_LOG), to its exit"
	else
		not_ok "the keeper's stderr: $(head -c 3000 "$T/keeper.log" 2>/dev/null || echo 'no log made')"
	fi
fi
end_keeper "$K"
sbx replaced -- /bin/echo replaced
K2=$(keepers)
if ran replaced "r['stdout']['text'] == 'replaced\n'" && [ -n "$K2" ] && [ "$K2" != "$K" ]; then
	ok "a keeper killed (kill -9) is replaced by the next command line ($K2)"
else
	not_ok "after kill -9 of the keeper: keepers '$K2'" replaced
fi
summary
