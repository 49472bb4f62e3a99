#!/bin/sh
# run.sh - the hostile-program suite: each program (tests/hostile/*.c,
# built into $HOSTILE_BUILD/hostile or $BUILD/hostile) runs through
# `grader sandbox --json` and must get its verdict; afterwards the host
# must be unaffected: no process of the run's uid left, nothing written
# outside the sandbox, host processes alive, and the next run works.
# Prints "ok - ..." / "not ok - ..." per case and ends with
# "hostile: N passed, M failed" (HOSTILE_SUITE, if set, names the suite:
# rootless.sh runs it again as an unprivileged user as "hostile-rootless").
# The harness is lib.sh, shared with hardening.sh and keeper.sh.
set -u
. "$(dirname "$0")/lib.sh"

# ---- resource abuse ----
# Upper bounds on time tell "stopped at the limit" from "ran to its natural
# end" or "hit the 10 s wall limit"; they are wide on purpose, so that a slow
# or loaded machine never fails a case (speed is measured in bench/).

# With RLIMIT_NPROC the bomb's forks fail but nothing counts them, so it
# spins until the wall limit, which is shorter rootless for that reason
# (32 spinning processes on a shared machine); that the count itself is
# held is fork_coping's case in hardening.sh.
bomb_wall=10
[ "$root" = 1 ] || bomb_wall=3
sbx forkbomb --pids 32 --wall "${bomb_wall}s" -- /h/forkbomb
expect_by forkbomb pids "fork bomb: process-limit" "r['verdict'] == 'process-limit' and r['wall_s'] < 9" \
	"fork bomb: held until the wall limit, wall-timeout" \
	"r['verdict'] == 'wall-timeout' and r['signal'] == 9 and $bomb_wall <= r['wall_s'] < $bomb_wall + 20"
no_leftovers forkbomb

mkdir -p "$T/daemon"
sbx daemon --workdir "$T/daemon" --wall 10s -- /h/daemon
expect daemon "double fork + setsid: the run ends with its main process" \
	"r['verdict'] == 'ok' and r['wall_s'] < 9 and 'grandchild started' in r['stdout']['text']"
sleep 2.5
if ! ran daemon "'grandchild started' in r['stdout']['text']"; then not_ok "daemon: no grandchild started, nothing to be killed" daemon
elif [ -e "$T/daemon/escaped" ]; then not_ok "daemon: the grandchild survived and wrote a file"; else ok "daemon: killed before it could write"; fi
no_leftovers daemon

sbx bgchild --wall 10s -- /h/bgchild
expect bgchild "background child holding stdout: the run ends promptly" \
	"r['wall_s'] < 30 and 'main done' in r['stdout']['text'] and 'late' not in r['stdout']['text']"
no_leftovers bgchild

sbx stdout_flood --out 64KiB --wall 10s -- /usr/bin/yes flood
expect stdout_flood "stdout flood: output-limit, capped and flagged" \
	"r['verdict'] == 'output-limit' and r['stdout']['truncated'] and len(r['stdout']['text']) <= 65536"
sbx stderr_flood --out 64KiB --wall 10s -- /bin/sh -c 'yes flood >&2'
expect stderr_flood "stderr flood: output-limit, capped and flagged" \
	"r['verdict'] == 'output-limit' and r['stderr']['truncated'] and len(r['stderr']['text']) <= 65536"
no_leftovers stderr_flood

sbx fill_tmp --tmp 8MiB --wall 10s -- /h/fill_tmp
expect fill_tmp "filling /tmp: the program sees ENOSPC at the cap" \
	"r['verdict'] == 'ok' and 'No space left on device' in r['stdout']['text'] and int(r['stdout']['text'].split()[2]) <= 8 << 20"
if ! ran fill_tmp "'No space left on device' in r['stdout']['text']"; then not_ok "fill_tmp: the program did not fill its /tmp" fill_tmp
elif [ -e /tmp/fill ]; then not_ok "fill_tmp: a file appeared in the host's /tmp"; else ok "fill_tmp: the host's /tmp is untouched"; fi

mkdir -p "$T/huge"
sbx hugefile --workdir "$T/huge" --fsize 4MiB --wall 10s -- /h/hugefile
expect hugefile "huge file: output-limit at the file size cap" "r['verdict'] == 'output-limit'"
size=$(stat -c %s "$T/huge/huge" 2>/dev/null || echo 0)
if [ "$size" -gt 0 ] && [ "$size" -le $((4 << 20)) ]; then ok "hugefile: the host file stopped at $size bytes"; else not_ok "hugefile: the host file grew to $size bytes"; fi

# RLIMIT_AS counts address space, not memory: the program's allocation
# fails short of 64 MiB (its code and libraries take some), and it exits
# by itself, which the sandbox cannot tell from any other failure.
sbx memhog --mem 64MiB --wall 10s -- /h/memhog
expect_by memhog memory "memory hog: memory-limit with the peak reported" \
	"r['verdict'] == 'memory-limit' and r['peak_kib'] >= 32 * 1024" \
	"memory hog: its allocation refused below the limit, ok with its exit code 3" \
	"r['verdict'] == 'ok' and r['exit_code'] == 3 and r['peak_kib'] == 0 and 16 <= int(r['stdout']['text'].split('after ')[1].split()[0]) < 64"
no_leftovers memhog

sbx sleeper --wall 1s -- /bin/sleep 1000
expect sleeper "sleep forever: wall-timeout at the limit" \
	"r['verdict'] == 'wall-timeout' and 0.9 <= r['wall_s'] < 30"
no_leftovers sleeper

# RLIMIT_CPU sums a process's threads too, so the kernel's SIGXCPU comes at
# the limit; but cpu_s is then the rusage init reaps, which has been seen
# 10% under the kernel's own count (0.89 s), hence the lower bound.
sbx cpu_threads --cpu 1s --wall 10s -- /h/cpu_threads
expect_by cpu_threads cpu "multi-threaded CPU burn: cpu-timeout, CPU summed and killed at the limit" \
	"r['verdict'] == 'cpu-timeout' and 0.9 <= r['cpu_s'] < 4 and r['wall_s'] < 9" \
	"multi-threaded CPU burn: cpu-timeout by SIGXCPU, the threads' CPU summed" \
	"r['verdict'] == 'cpu-timeout' and r['signal'] == 24 and 0.7 <= r['cpu_s'] < 4 and r['wall_s'] < 9"
no_leftovers cpu_threads

# RLIMIT_CPU holds each of the four processes to the limit (1 s), not
# their sum: up to 4 s in all, as docs/sandbox.md says.
sbx cpu_procs --cpu 1s --wall 10s -- /h/cpu_procs
expect_by cpu_procs cpu "multi-process CPU burn: cpu-timeout over the whole tree" \
	"r['verdict'] == 'cpu-timeout' and 0.9 <= r['cpu_s'] < 4 and r['wall_s'] < 9" \
	"multi-process CPU burn: cpu-timeout, each process held to the limit" \
	"r['verdict'] == 'cpu-timeout' and r['signal'] == 24 and 0.9 <= r['cpu_s'] < 4 * 1.5 and r['wall_s'] < 9"
no_leftovers cpu_procs

# With RLIMIT_CPU a program that ignores SIGXCPU is SIGKILLed by the kernel
# at the hard limit (the limit + 1 s). The verdict should be cpu-timeout;
# today the sandbox (sandbox/result.c) reports such a SIGKILL as
# runtime-error, a known bug marked TODO until it is fixed there. cpu_s
# above 1.5 s shows it outlived the SIGXCPU at 1 s (init's rusage reads up
# to 10% short of the kernel's 2 s: 1.83 s seen).
sbx ignore_signals --cpu 1s --wall 10s -- /h/ignore_signals
expect_by ignore_signals cpu "ignoring SIGXCPU and SIGTERM: killed anyway" \
	"r['verdict'] == 'cpu-timeout' and r['wall_s'] < 9" \
	"ignoring SIGXCPU and SIGTERM: SIGKILLed at the hard limit, cpu-timeout by its CPU time" \
	"r['verdict'] == 'cpu-timeout' and r['signal'] == 9 and 1.5 <= r['cpu_s'] < 4 and r['wall_s'] < 9"
no_leftovers ignore_signals

sbx sigstop --wall 1s -- /h/sigstop
expect sigstop "stopping itself: wall-timeout, killed" \
	"r['verdict'] == 'wall-timeout' and r['wall_s'] < 30"
no_leftovers sigstop

# ---- escaping the filesystem ----

echo "host-secret-$$" >"$T/secret.txt"
chmod 644 "$T/secret.txt"
sbx host_files --wall 5s -- /bin/sh -c "cat /etc/shadow; cat '$T/secret.txt'; cat /root/.bash_history; ls /home /root; cat /proc/1/environ; echo tried-them-all"
expect host_files "reading /etc/shadow and host files: nothing comes through" \
	"r['verdict'] == 'ok' and 'tried-them-all' in r['stdout']['text'] and 'host-secret-' not in r['stdout']['text'] and 'root:' not in r['stdout']['text']"

sbx write_outside --wall 5s -- /bin/sh -c 'for f in /usr/pwned /etc/pwned /pwned /h/pwned /proc/sys/kernel/hostname /proc/sys/vm/drop_caches; do (echo 1 >"$f") 2>/dev/null && echo "wrote $f"; done; echo done'
expect write_outside "writing outside the work dir and under /proc/sys: every write fails" \
	"r['stdout']['text'].strip() == 'done'"
if ! ran write_outside "r['stdout']['text'].strip() == 'done'"; then not_ok "write_outside: the writes never ran" write_outside
elif [ -e /usr/pwned ] || [ -e "$HB/pwned" ]; then not_ok "write_outside: a file appeared on the host"; else ok "write_outside: the host is unchanged"; fi

# ---- the network ----

port_file="$T/port"
"$PY" -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); c.sendall(b"host-service"); c.close()
' "$port_file" &
pids_to_kill="$pids_to_kill $!"
i=0
while [ ! -s "$port_file" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$port_file" 2>/dev/null)
if "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)' "$port" 2>/dev/null; then
	sbx connect --wall 5s -- /h/connect "$port"
	expect connect "connecting to a server on the host's loopback: refused" \
		"'connect failed' in r['stdout']['text'] and 'host-service' not in r['stdout']['text']"
else
	not_ok "connect: the host-side test server did not start"
fi

# ---- forbidden system calls ----

for call in ptrace mount unshare setns bpf perf_event_open keyctl io_uring_setup userfaultfd; do
	sbx "sys_$call" --wall 5s -- /h/syscalls "$call"
	expect "sys_$call" "$call: syscall-denied and named" \
		"r['verdict'] == 'syscall-denied' and r.get('denied_syscall') == '$call'"
done

# Refused calls (not on the allow list, or newer than our libseccomp): they
# fail with ENOSYS or EPERM, the program goes on, and the result names them.
for c in modify_ldt:ENOSYS:modify_ldt memfd_secret:ENOSYS:memfd_secret \
	set_mempolicy_home_node:EPERM:set_mempolicy_home_node "nr460:ENOSYS:syscall 460" \
	"nr600:ENOSYS:syscall 600"; do
	prog=${c%%:*}
	rest=${c#*:}
	errno=${rest%%:*}
	named=${rest#*:}
	sbx "refused_$prog" --wall 5s -- /h/refused "$prog"
	expect "refused_$prog" "$named: refused with $errno, named, the run goes on" \
		"r['verdict'] == 'ok' and 'errno $errno' in r['stdout']['text'] and 'still running' in r['stdout']['text'] and r['refused_syscalls'] == ['$named'] and r['refused_total'] == 1"
done

# sbx_timed NAME ARGS...: as sbx, and the grader's own CPU time (user +
# system of the grader process: its supervisor thread, not the sandbox,
# which is its children's) into $T/NAME.cpu, read from /proc when it has
# exited but is not reaped yet.
sbx_timed() {
	name=$1
	shift
	"$PY" - "$T/$name.json" "$GRADER" sandbox --json --bind "$HB:/h" "$@" >"$T/$name.cpu" <<'PY'
import os, subprocess, sys
out = open(sys.argv[1], "w")
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL)
os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
print((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))
p.wait()
PY
}

# personality(0x1234) from 8 threads for 3 s: refused in the filter itself
# (EPERM), so the grader does no work for it.
sbx_timed persona_flood --wall 10s -- /h/flood personality 3
cpu=$(cat "$T/persona_flood.cpu")
echo "# personality flood: grader CPU ${cpu} s over $(get persona_flood "r['wall_s']") s of wall time"
expect persona_flood "personality flood: EPERM in the filter, the run ends ok, grader CPU ${cpu} s < 20% of the wall time" \
	"r['verdict'] == 'ok' and 'other 0 persona 0' in r['stdout']['text'] and r['wall_s'] > 2.5 and $cpu < 0.2 * r['wall_s']"

# The same with an unlisted call, which only the grader can name: bounded
# by the per-run cap of refused calls (the run is killed past it).
sbx_timed refused_flood --wall 10s -- /h/flood both 3
cpu=$(cat "$T/refused_flood.cpu")
echo "# refused-call flood: grader CPU ${cpu} s, run ended after $(get refused_flood "r['wall_s']") s and $(get refused_flood "r['refused_total']") refused calls"
expect refused_flood "refused-call flood: syscall-denied past the cap, grader CPU ${cpu} s < 0.6 s (20% of the 3 s flood)" \
	"r['verdict'] == 'syscall-denied' and r['denied_syscall'] == 'syscall 460' and 'more than 1000 refused' in r['message'] and $cpu < 0.6"
no_leftovers refused_flood

# A filter the program stacks would be run before the sandbox's and could
# answer a fatal call itself (its own listener saying "go on", USER_NOTIF
# without a listener: ENOSYS, ERRNO(0): a fake success), so the grader would
# never hear of it: installing one is refused (EPERM) and named, and the
# unshare that follows reaches the sandbox's filter.
sbx notify_self --wall 5s -- /h/notify_self
expect notify_self "own seccomp listener for unshare: refused and named, unshare is syscall-denied" \
	"r['verdict'] == 'syscall-denied' and r['denied_syscall'] == 'unshare' and r['refused_syscalls'] == ['seccomp(SET_MODE_FILTER)'] and 'own listener: -1 (Operation not permitted)' in r['stdout']['text'] and 'ran' not in r['stdout']['text'] and 'go on' not in r['stdout']['text']"
for mode in notif errno; do
	sbx "own_filter_$mode" --wall 5s -- /h/own_filter "$mode"
	expect "own_filter_$mode" "own filter answering unshare ($mode) via prctl: refused and named, unshare is syscall-denied" \
		"r['verdict'] == 'syscall-denied' and r['denied_syscall'] == 'unshare' and r['refused_syscalls'] == ['prctl(PR_SET_SECCOMP)'] and 'installed' not in r['stdout']['text']"
done

sbx int80 --wall 5s -- /h/int80
expect int80 "32-bit system call through int 0x80: denied" \
	"r['verdict'] == 'syscall-denied' and 'returned' not in r['stdout']['text']"

sbx tiocsti --wall 5s -- /h/tiocsti
expect tiocsti "TIOCSTI terminal injection: denied or without effect" \
	"r['verdict'] == 'syscall-denied' or 'injected 0 bytes' in r['stdout']['text']"

sleep 60 &
sleeper=$!
pids_to_kill="$pids_to_kill $sleeper"
sbx killall --wall 5s -- /h/killall
if ! ran killall "'kill(-1) returned' in r['stdout']['text']"; then not_ok "kill(-1): the program never ran" killall
elif kill -0 "$sleeper" 2>/dev/null; then ok "kill(-1): host processes unaffected"; else not_ok "kill(-1): a host process died" killall; fi
no_leftovers killall

# The grader itself SIGKILLed mid-run (an OOM kill, a kill -9 of a daemon
# worker): nothing would enforce the sandbox's limits any more, so the
# sandbox must die with it. (sleep 42PID: a command line of this run's own,
# as other checkouts' tests on the machine may run the same case.)
killed_mid_run "42$$" "grader killed mid-run" "its sandbox dies with it"

# ---- privilege ----

# The setuid-root file is made by root: here as root, or by rootless.sh
# before it drops root (HOSTILE_SUID, a directory holding it); an
# unprivileged caller cannot make one, so the case cannot exist.
suid_dir=""
if [ "$root" = 1 ]; then
	suid_dir="$T/suid"
	mkdir -p "$suid_dir"
	cp "$HB/whoami" "$suid_dir/whoami"
	chown 0:0 "$suid_dir/whoami"
	chmod 4755 "$suid_dir/whoami"
elif [ -n "${HOSTILE_SUID:-}" ]; then
	suid_dir=$HOSTILE_SUID
fi
if [ -n "$suid_dir" ] && [ -u "$suid_dir/whoami" ] && [ "$(stat -c %u "$suid_dir/whoami")" = 0 ]; then
	sbx setuid --bind "$suid_dir:/s" --wall 5s -- /s/whoami
	expect setuid "a setuid-root binary gains nothing (nosuid)" \
		"r['verdict'] == 'ok' and 'euid=0' not in r['stdout']['text'] and r['stdout']['text'].split()[0].split('=')[1] == r['stdout']['text'].split()[1].split('=')[1]"
elif [ -n "$suid_dir" ]; then
	not_ok "setuid: $suid_dir/whoami is not a setuid-root file"
else
	skip rootless "setuid: only root can make a setuid-root file (rootless.sh makes one for this mode)"
fi

# ---- and the next run works ----

sbx after --wall 5s -- /bin/sh -c 'echo still fine'
expect after "the next run works" "r['verdict'] == 'ok' and r['stdout']['text'] == 'still fine\n'"

# ---- honest verdicts and the work dir (hardening.sh), `grader sandbox`'s
# keeper (keeper.sh): counted here ----

for part in hardening keeper; do
	sh "$(dirname "$0")/$part.sh" >"$T/$part.out" 2>&1
	grep -E '^(not )?ok - ' "$T/$part.out" || true
	h=$(sed -n "s/^$part: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p" "$T/$part.out")
	if [ -z "$h" ]; then
		fail=$((fail + 1))
		echo "not ok - $part.sh did not finish:"
		tail -n 20 "$T/$part.out" | sed 's/^/    /'
	else
		pass=$((pass + ${h% *}))
		fail=$((fail + ${h#* }))
	fi
done

echo "${HOSTILE_SUITE:-hostile}: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
