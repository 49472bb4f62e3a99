# Grading over ssh://: a real OpenSSH server on loopback, with its own
# host key and configuration, and the learner key in an ssh-agent, the
# only credential the grader ever uses (docs/security.md). A grader whose
# agent holds no accepted key fails with a clear error instead of
# prompting or hanging.
. "$(dirname "$0")/lib.sh"

SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] && command -v ssh-agent >/dev/null ||
	fail "needs openssh-server and openssh-client (ci/install-deps.sh installs them)"

git_course
R="$T/learner"
(cd "$C/git/no-secrets/solution" && sh make-repo.sh "$R") >/dev/null
echo "print('hi')" >"$R/app.py"
git -C "$R" add app.py
git -C "$R" commit -qm "feat(app): say hi"
head=$(git -C "$R" rev-parse HEAD)
git clone -q --bare "$R" "$T/served/learner.git"

# sshd refuses keys and configs that others can write.
chmod 755 "$T"
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/learner_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/other_key"
cp "$T/learner_key.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user=$(id -un)
cat >"$T/sshd_config" <<CFG
ListenAddress 127.0.0.1:$port
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $user
UsePAM no
StrictModes no
CFG
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
"$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
sshd=$!
eval "$(ssh-agent -s)" >/dev/null
trap 'kill $sshd 2>/dev/null; kill $SSH_AGENT_PID 2>/dev/null; rm -rf "$T"' EXIT
ssh-add -q "$T/learner_key" 2>/dev/null

url="ssh://$user@127.0.0.1:$port$T/served/learner.git"
for i in $(seq 50); do
	GIT_SSH_COMMAND="ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes" \
		git ls-remote "$url" >/dev/null 2>&1 && break
	sleep 0.1
done

# libgit2 1.5's ssh transport leaks (see the file); under `make asan` the
# suppression applies to this test's grader commands only.
ssh_grader() {
	LSAN_OPTIONS="suppressions=$ROOT/tests/e2e/libgit2-ssh.supp" "$@"
}

# A server whose host key is not in known_hosts is refused, with the fix.
export GRADER_SSH_KNOWN_HOSTS="$T/known_hosts"
expect_status 2 ssh_grader "$GRADER" grade --course "$C" --ref main --output "$T/unknown.json" "$url"
contains "$T/err" "the ssh host key of [127.0.0.1]:$port is not in $T/known_hosts"
contains "$T/err" "ssh-keyscan -p $port 127.0.0.1"
# ... and one that presents another key than the recorded one.
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/other_key.pub")" >"$T/known_hosts"
expect_status 2 ssh_grader "$GRADER" grade --course "$C" --ref main --output "$T/changed.json" "$url"
contains "$T/err" "differs from the one in $T/known_hosts"

# Recorded the way an operator would, hashed (ssh-keyscan -H).
ssh-keyscan -H -p "$port" -t ed25519 127.0.0.1 >"$T/known_hosts" 2>/dev/null
grep -q '^|1|' "$T/known_hosts" || fail "ssh-keyscan wrote no hashed line"
expect_status 0 ssh_grader "$GRADER" grade --course "$C" --ref main --output "$T/ssh.json" "$url"
json_is "$T/ssh.json" "r['status']" passed
json_is "$T/ssh.json" "r['submission']['repo']" "$url"
json_is "$T/ssh.json" "r['submission']['commit']" "$head"
contains "$T/sshd.log" "Accepted publickey for $user"

# A second push is fetched into the same mirror, over ssh again, the key
# now recorded in plain form.
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/host_key.pub")" >"$T/known_hosts"
echo "# app" >"$R/README.md"
git -C "$R" add README.md
git -C "$R" commit -qm "docs: a readme"
git -C "$R" push -q "$T/served/learner.git" main
expect_status 0 ssh_grader "$GRADER" grade --course "$C" --ref main --output "$T/ssh2.json" "$url"
json_is "$T/ssh2.json" "r['submission']['commit']" "$(git -C "$R" rev-parse HEAD)"

# An agent with a key the server does not accept: refused, exit 2, the
# URL named, no prompt (stdin is closed) and no hang.
ssh-add -q -D 2>/dev/null
ssh-add -q "$T/other_key" 2>/dev/null
rm -rf "$T/state"
expect_status 2 ssh_grader "$GRADER" grade --course "$C" --ref main --output "$T/denied.json" "$url" </dev/null
contains "$T/err" "$url"
contains "$T/err" "the ssh server accepted none of the keys of the ssh-agent at $SSH_AUTH_SOCK for user '$user'"
[ ! -s "$T/denied.json" ] || fail "a report was written for a repository that could not be read"
