#!/bin/sh
# rootless.sh - the whole hostile suite (run.sh, with hardening.sh) again
# as an unprivileged user, for a root caller (`make test` in CI): the
# sandbox's rootless mode (user namespaces, the caller's own uid, rlimits
# where no cgroup is delegated) meets the same programs. Same variables
# as run.sh; ends with "hostile-rootless: N passed, M failed". Run
# unprivileged it is run.sh itself under that name, as that is already
# the rootless mode.
#
# The user is a uid of this run's own, with no passwd entry and no other
# process: rootless, every sandbox runs as its caller's uid, so the check
# that a run left nothing behind looks at that uid's processes (those in
# another pid namespace than the suite's), and nobody's would include
# other checkouts' rootless runs on this machine. The uid is outside the
# sandbox's slot uids (60000..60999), which root's runs use.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	HOSTILE_SUITE=hostile-rootless exec sh "$here/run.sh"
fi
. "$here/lib.sh"
# summary: the suite's last line, in run.sh's format under this suite's name
summary() {
	echo "hostile-rootless: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
if ! command -v setpriv >/dev/null 2>&1; then
	not_ok "rootless: setpriv (util-linux) is missing, the suite cannot drop root"
	summary
fi

# A free uid: no passwd entry, no process, no slot directory of an
# earlier run in /tmp (a crashed run's is removed only if it is ours).
uid=""
i=0
while [ $i -lt 500 ]; do
	c=$((62000 + ($$ + i) % 2000))
	i=$((i + 1))
	getent passwd "$c" >/dev/null && continue
	getent group "$c" >/dev/null && continue
	pgrep -u "$c" >/dev/null && continue
	[ -e "/tmp/grader-sandbox-$c" ] && continue
	uid=$c
	break
done
if [ -z "$uid" ]; then
	not_ok "rootless: found no free uid in 62000..63999"
	summary
fi

# Everything the user reads lives in W (lib.sh's T: root's, mode 0755):
# the checkout and build dir may be out of its reach (a clone under
# /root, mode 0700), so the suite's scripts, the grader and the programs
# are copied rather than the checkout's modes changed. W/tmp is the
# user's private TMPDIR.
W=$T
cleanup() {
	# the grader's slot locks of this uid (/tmp/grader-sandbox-UID) are
	# the runs' only trace outside W; nothing else of the uid may remain
	rm -rf "$W"
	[ -n "$uid" ] || return 0
	pkill -9 -u "$uid" 2>/dev/null
	rm -rf "/tmp/grader-sandbox-$uid"
}
if [ ! -x "$GRADER" ] || [ ! -x "$HB/forkbomb" ] || [ ! -x "$HB/whoami" ]; then
	not_ok "rootless: no $GRADER or no hostile programs in $HB (make hostile builds them)"
	summary
fi
mkdir -p "$W/suite" "$W/build" "$W/tmp" "$W/suid"
cp "$here/run.sh" "$here/hardening.sh" "$here/keeper.sh" "$here/lib.sh" "$W/suite/"
cp "$GRADER" "$W/grader"
cp -R "$HB" "$W/build/hostile"
chmod -R a+rX "$W/suite" "$W/build" "$W/grader"
chown "$uid:$uid" "$W/tmp"
chmod 700 "$W/tmp"
# A setuid-root binary, which only root can make: the rootless run's
# setuid case binds it into its sandbox, where it must gain nothing.
cp "$HB/whoami" "$W/suid/whoami"
chown 0:0 "$W/suid/whoami"
chmod 4755 "$W/suid/whoami"

as_user() {
	(cd "$W/tmp" && setpriv --reuid="$uid" --regid="$uid" --clear-groups -- \
		env TMPDIR="$W/tmp" HOME="$W/tmp" "$@")
}
if ! as_user test -x "$W/grader" -a -r "$W/suite/run.sh" -a -x "$W/build/hostile/forkbomb"; then
	not_ok "rootless: uid $uid cannot reach $W (is ${TMPDIR:-/tmp} reachable by all?)"
	summary
fi
# A host that refuses unprivileged user namespaces (a sysctl, an AppArmor
# policy) fails every case the same way: say so once, with the reason.
as_user "$W/grader" sandbox --json -- /bin/true >"$W/preflight.json" 2>&1
if [ "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$W/preflight.json" 2>/dev/null)" != ok ]; then
	not_ok "rootless: the sandbox cannot start as uid $uid: $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$W/preflight.json" 2>/dev/null || head -c 300 "$W/preflight.json")"
	summary
fi
echo "# rootless: as uid $uid (no passwd entry), TMPDIR=$W/tmp"
# run.sh's own summary is held back: the checks below are counted in it
as_user env GRADER="$W/grader" BUILD="$W/build" HOSTILE_BUILD="$W/build" \
	HOSTILE_SUITE=hostile-rootless HOSTILE_SUID="$W/suid" sh "$W/suite/run.sh" 2>&1 |
	tee "$W/out" | grep -v '^hostile-rootless: [0-9]* passed, [0-9]* failed$'
counts=$(sed -n 's/^hostile-rootless: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$W/out")
if [ -z "$counts" ]; then
	counts="0 0"
	not_ok "rootless: run.sh did not finish"
fi
pass=$((pass + ${counts% *}))
fail=$((fail + ${counts#* }))

# Nothing of the uid outlives the suite, and it wrote nothing outside W
# but its slot locks: a file of that uid anywhere else in /tmp, /var/tmp
# or /dev/shm would be a run's write that escaped.
sleep 0.2
left=$(ps -o pid=,stat=,comm= -u "$uid" | alive)
if [ -n "$left" ]; then
	not_ok "rootless: processes of uid $uid outlived the suite: $(echo "$left" | tr '\n' ' ')"
else
	ok "rootless: no process of uid $uid outlived the suite"
fi
# The search must see the uid's files at all: its slot locks are one.
found=$(find /tmp /var/tmp /dev/shm -xdev -uid "$uid" ! -path "$W" ! -path "$W/*" 2>/dev/null)
written=$(printf '%s\n' "$found" | grep -v -x -e '' -e "/tmp/grader-sandbox-$uid" -e "/tmp/grader-sandbox-$uid/.*" | head -n 5)
if ! printf '%s\n' "$found" | grep -q -x "/tmp/grader-sandbox-$uid"; then
	not_ok "rootless: find saw no file of uid $uid, not even its slot locks in /tmp/grader-sandbox-$uid"
elif [ -n "$written" ]; then
	not_ok "rootless: files of uid $uid outside its TMPDIR: $(echo "$written" | tr '\n' ' ')"
else
	ok "rootless: uid $uid wrote nothing in /tmp, /var/tmp or /dev/shm outside its TMPDIR but its slot locks"
fi
summary
