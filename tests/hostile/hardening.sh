#!/bin/sh
# hardening.sh - hostile cases for honest verdicts and the work dir's
# ownership, with run.sh's harness (lib.sh; same variables: GRADER, BUILD,
# HOSTILE_BUILD; prints "ok - ..." / "not ok - ..." and ends with
# "hardening: N passed, M failed"):
# - a program that meets the pids limit and copes exits 0: ok, with the
#   refused fork counted; the same program giving up: process-limit; a
#   fork bomb: killed, process-limit;
# - a child the command never waits for: its CPU time counts, whether the
#   tree is killed at the wall limit or the command exits first;
# - a thread dying of a stack overflow: runtime-error whose message says
#   a segfault may be a stack overflow and names the stack limit;
# - a hard link planted in the work dir to a host file: never chowned to
#   the run's uid, never written;
# - the mounts the sandbox makes itself (/, /tmp, /dev, /proc) name no
#   host temporary path in /proc/self/mountinfo or /proc/self/mounts, and
#   in grading (as root) the work dir is named by its scratch tmpfs path.
# Rootless (rootless.sh, or an unprivileged caller) the same cases expect
# what an rlimit gives where a cgroup is missing (lib.sh's expect_by).
set -u
. "$(dirname "$0")/lib.sh"

# ---- the process limit: coping is ok, giving up or a bomb is not ----

# RLIMIT_NPROC refuses the fork just as the pids cgroup does (the limit
# counts the program itself, and init: 8 allows 6 or 7 children), but
# nothing counts the refusal, so the verdict follows the exit code alone.
sbx coping --pids 8 --wall 10s -- /h/fork_coping
expect_by coping pids "pids limit met and handled, exit 0: ok with the refusal counted" \
	"'coped with' in r['stdout']['text'] and 'fork refused' in r['stdout']['text'] and r['verdict'] == 'ok' and r['exit_code'] == 0 and r['forks_refused'] >= 1 and 'refused at the process limit' in r['message']" \
	"pids limit met and handled, exit 0: ok, fewer than 8 children" \
	"'coped with' in r['stdout']['text'] and r['verdict'] == 'ok' and r['exit_code'] == 0 and r['forks_refused'] == 0 and 0 < int(r['stdout']['text'].split('fork refused after ')[1].split()[0]) < 8"

sbx giving_up --pids 8 --wall 10s -- /h/fork_coping give-up
expect_by giving_up pids "pids limit met, then exit 3: process-limit" \
	"'fork refused' in r['stdout']['text'] and r['exit_code'] == 3 and r['verdict'] == 'process-limit'" \
	"pids limit met, then exit 3: ok with exit code 3 (nothing tells the refusal)" \
	"'fork refused' in r['stdout']['text'] and r['exit_code'] == 3 and r['verdict'] == 'ok'"

# the bomb's rlimit outcome, and why its wall is shorter then: run.sh's forkbomb
bomb_wall=10
[ "$root" = 1 ] || bomb_wall=3
sbx bomb --pids 32 --wall "${bomb_wall}s" -- /h/forkbomb
expect_by bomb pids "fork bomb: killed at the limit, process-limit" \
	"r['verdict'] == 'process-limit' and r['signal'] != 0 and r['forks_refused'] >= 100 and r['wall_s'] < 9" \
	"fork bomb: held until the wall limit, wall-timeout" \
	"r['verdict'] == 'wall-timeout' and r['signal'] == 9 and $bomb_wall <= r['wall_s'] < $bomb_wall + 20"
no_leftovers bomb

# ---- a stack overflow in a thread ----

sbx stack --wall 10s -- /h/thread_stack
# the grader (and so the command) inherits this shell's stack limit
want=$("$PY" -c 'import resource; s = resource.getrlimit(resource.RLIMIT_STACK)[0]; print("unlimited" if s == resource.RLIM_INFINITY else "%.1f MiB" % (s / 1048576))')
expect stack "thread stack overflow: runtime-error naming the stack limit ($want)" \
	"'thread started' in r['stdout']['text'] and r['verdict'] == 'runtime-error' and r['signal'] == 11 and 'stack overflow' in r['message'] and '$want' in r['message']"

# ---- CPU time of processes the run never waited for ----
# A child burns 0.3 s of CPU, says so and sleeps; its parent, the
# command, never waits for it: it either stays (and the run ends at the
# wall limit, the whole tree killed) or exits (leaving the child to be
# killed). Either way the child's CPU time is the run's: a cgroup counts
# it as root; rootless (no CPU cgroup) only init's rusage does, and init
# counts only what it reaps itself, so init kills and reaps the others
# (asked with SIGTERM at a limit) rather than dying first.
burn='import os, sys, time
r, w = os.pipe()
if os.fork() == 0:
    t = time.process_time()
    while time.process_time() - t < 0.3:
        pass
    os.write(w, b"x")
    time.sleep(60)
    os._exit(0)
os.read(r, 1)
print("burned", flush=True)
if sys.argv[1] == "stay":
    time.sleep(60)
os._exit(0)'
sbx burn_killed --wall 3s --cpu 30s -- "$PY" -c "$burn" stay
if ran burn_killed "r['stdout']['text'] == 'burned\n' and r['verdict'] == 'wall-timeout'"; then
	expect burn_killed "a tree killed at the wall limit: its unwaited child's CPU time counts" \
		"r['cpu_s'] >= 0.3"
else
	not_ok "the CPU burner killed at the wall limit did not run as meant" burn_killed
fi
sbx burn_left --wall 20s --cpu 30s -- "$PY" -c "$burn" go
if ran burn_left "r['stdout']['text'] == 'burned\n' and r['verdict'] == 'ok' and r['exit_code'] == 0"; then
	expect burn_left "a child left running when the command exits: its CPU time counts, and the run ends" \
		"r['cpu_s'] >= 0.3 and r['wall_s'] < 15"
else
	not_ok "the CPU burner that exits did not run as meant" burn_left
fi

# ---- a hard link planted in the work dir ----

if [ "$root" = 1 ]; then
	mkdir -p "$T/work" "$T/host"
	echo "host data" >"$T/host/file"
	chmod 600 "$T/host/file"
	ln "$T/host/file" "$T/work/planted"
	echo "own" >"$T/work/own"
	sbx hardlink --workdir "$T/work" --wall 5s -- /bin/sh -c 'echo pwned >planted 2>/dev/null; echo pwned >>own; echo marker-ran'
	uid=$(stat -c %u "$T/host/file")
	own_uid=$(stat -c %u "$T/work/own")
	if ! grep -q marker-ran "$T/hardlink.json"; then
		not_ok "hard link: the run never ran"
	elif [ "$uid" != 0 ] || [ "$(cat "$T/host/file")" != "host data" ]; then
		not_ok "hard link: the host file was handed over (uid $uid) or written"
	elif [ "$own_uid" = 0 ] || [ "$(tail -n 1 "$T/work/own")" != pwned ]; then
		not_ok "hard link: the work dir's own file was not handed over (uid $own_uid)"
	else
		ok "hard link to a host file in the work dir: not chowned, not written; the work dir's own file was"
	fi
else
	# rootless the run's uid is the caller's: nothing is handed over, and
	# the run may write what the caller may
	skip rootless "hard link: only root hands the work dir to another uid"
fi

# ---- mountinfo: the sandbox's own mounts name no host temporary path ----

tmp_prefix=$(dirname "$T")
[ "$tmp_prefix" = / ] && tmp_prefix=$T
sbx mounts --wall 5s -- /h/mountinfo "$T" "$tmp_prefix/"
expect mounts "/proc/self/mountinfo and mounts name neither $T nor $tmp_prefix/" \
	"r['verdict'] == 'ok' and r['exit_code'] == 0 and 'read ' in r['stdout']['text'] and int(r['stdout']['text'].split('read ')[1].split()[0]) > 10"

# ---- mountinfo in grading: the work dir is named by its path in the
# grader's own scratch tmpfs, never by the host's ----
# The exercise prints the root field of the /work mount; its expectation
# passes only for "/work-XXXXXX" (the scratch tmpfs's own path), so a pass
# proves both that it ran and that no host path was shown.
if [ "$root" = 1 ] && [ -x "$(dirname "$GRADER")/grader-core" ]; then
	C="$T/mi-course"
	mkdir -p "$C/mi" "$T/mi-sub/mi"
	printf 'title: Mountinfo\nexercises:\n  - path: mi\n    stage: 1\n' >"$C/course.yaml"
	cat >"$C/mi/exercise.yaml" <<'Y'
id: t/mountinfo
title: the work dir's mount
kind: io
files: [show.sh]
run: [sh, show.sh]
checks:
  - name: root of /work
    expect:
      stdout: { regex: "^/work-[A-Za-z0-9]{6}\n$" }
Y
	printf '%s\n' "awk '\$5 == \"/work\" { print \$4 }' /proc/self/mountinfo" >"$T/mi-sub/mi/show.sh"
	"$GRADER" grade --course "$C" --exercise t/mountinfo -f text "$T/mi-sub" >"$T/mi.out" 2>&1
	if grep -q 'Score: 1/1' "$T/mi.out"; then
		ok "grading: /proc/self/mountinfo names the work dir by its scratch tmpfs path"
	else
		not_ok "grading: the work dir's mount shows another root: $(head -c 600 "$T/mi.out")"
	fi
else
	skip rootless "grading's scratch tmpfs: only root has a mount namespace of its own"
fi

echo "hardening: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
