# Grading Git submissions end to end: a local repository and the same one
# served on loopback by `git daemon` (git://) and by `git http-backend`
# (smart HTTP), --ref/--commit/--since, the report's
# submission fields, the git exercises of the course and `grader check`.
. "$(dirname "$0")/lib.sh"

git_course
expect_status 0 "$GRADER" lint "$C"
expect_status 0 "$GRADER" check "$C"

# The learner: the no-secrets reference plus a third conventional commit.
R="$T/learner"
(cd "$C/git/no-secrets/solution" && sh make-repo.sh "$R") >/dev/null
old=$(git -C "$R" rev-parse HEAD)
echo "print('hi')" >"$R/app.py"
git -C "$R" add app.py
git -C "$R" commit -qm "feat(app): say hi"
head=$(git -C "$R" rev-parse HEAD)

expect_status 0 "$GRADER" grade --course "$C" --ref main --output "$T/local.json" "$R"
json_is "$T/local.json" "r['status']" passed
json_is "$T/local.json" "len(r['exercises'])" 2
json_is "$T/local.json" "r['submission']['commit']" "$head"
json_is "$T/local.json" "r['submission']['ref']" refs/heads/main
json_is "$T/local.json" "r['submission']['repo']" "$R"
contains "$T/local.json" "feat(app): say hi"
contains "$T/local.json" "Ana Learner <ana@example.edu>"
[ -d "$T/state/mirrors" ] || fail "no mirror cache in \$GRADER_STATE_DIR"
[ -z "$(ls "$T/state/work")" ] || fail "private work trees left behind"

# The same repository over git:// on loopback.
git clone -q --bare "$R" "$T/served/learner.git"
port=$((20000 + $$ % 20000))
git daemon --export-all --base-path="$T/served" --port="$port" --listen=127.0.0.1 \
	--reuseaddr --pid-file="$T/daemon.pid" --detach "$T/served"
trap 'kill $(cat "$T/daemon.pid") 2>/dev/null; rm -rf "$T"' EXIT
for i in $(seq 50); do
	git ls-remote "git://127.0.0.1:$port/learner.git" >/dev/null 2>&1 && break
	sleep 0.1
done
url="git://127.0.0.1:$port/learner.git"
expect_status 0 "$GRADER" grade --course "$C" --output "$T/net.json" "$url"
json_is "$T/net.json" "r['submission']['repo']" "$url"
json_is "$T/net.json" "r['submission']['commit']" "$head"

# ... and over smart HTTP: `git http-backend` behind Python's CGI server,
# the transport of GitHub, GitLab and Gitea.
mkdir -p "$T/www/cgi-bin"
cat >"$T/www/cgi-bin/git" <<SH
#!/bin/sh
# the CGI runs as nobody: the repositories belong to root
export GIT_PROJECT_ROOT='$T/served' GIT_HTTP_EXPORT_ALL=1
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*'
exec git http-backend
SH
chmod 755 "$T/www/cgi-bin/git" "$T/www/cgi-bin" "$T/www" "$T"
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$T/www" && exec python3 -W ignore -m http.server --cgi --bind 127.0.0.1 "$hport") \
	>"$T/http.log" 2>&1 &
httpd=$!
trap 'kill $(cat "$T/daemon.pid") $httpd 2>/dev/null; rm -rf "$T"' EXIT
hurl="http://127.0.0.1:$hport/cgi-bin/git/learner.git"
for i in $(seq 50); do
	git ls-remote "$hurl" >/dev/null 2>&1 && break
	sleep 0.1
done
expect_status 0 "$GRADER" grade --course "$C" --ref main --output "$T/http.json" "$hurl"
json_is "$T/http.json" "r['submission']['repo']" "$hurl"
json_is "$T/http.json" "r['submission']['commit']" "$head"
contains "$T/http.log" "POST /cgi-bin/git/learner.git/git-upload-pack"
# a repository the server does not have: a clear error naming it
expect_status 2 "$GRADER" grade --course "$C" --ref main --output "$T/http404.json" \
	"http://127.0.0.1:$hport/cgi-bin/git/nobody.git"
contains "$T/err" "nobody.git"

# An older commit has two commits only.
short=$(printf '%.10s' "$old")
expect_status 1 "$GRADER" grade --course "$C" -e git/conventional-commits --commit "$short" \
	--output "$T/old.json" "$R"
json_is "$T/old.json" "r['submission']['commit']" "$old"
contains "$T/old.json" "the history has 2 commits; at least 3 expected"

# --since: nothing changed since HEAD, so nothing is graded; HEAD~1 grades both.
expect_status 0 "$GRADER" grade --course "$C" --since "$head" --output "$T/none.json" "$R"
json_is "$T/none.json" "len(r['exercises'])" 0
expect_status 0 "$GRADER" grade --course "$C" --since HEAD~1 --output "$T/since.json" "$R"
json_is "$T/since.json" "len(r['exercises'])" 2

# A secret committed and deleted later is still found, by commit and path.
mkdir -p "$R/deploy"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n' \
	>"$R/deploy/key"
git -C "$R" add deploy && git -C "$R" commit -qm "feat(deploy): add the key"
bad=$(git -C "$R" rev-parse --short=7 HEAD)
git -C "$R" rm -rq deploy && git -C "$R" commit -qm "fix(deploy): remove the key"
expect_status 1 "$GRADER" grade --course "$C" -e git/no-secrets --format text --no-color "$R"
contains "$T/out" "commit $bad 'feat(deploy): add the key' adds deploy/key holding a private key"
lacks "$T/out" "b3BlbnNzaA"

# A learner's checkout graded as a folder: the git kind reads its .git.
git clone -q "$R" "$T/checkout"
expect_status 1 "$GRADER" grade --course "$C" -e git/no-secrets --output "$T/dir.json" "$T/checkout"
contains "$T/dir.json" "holding a private key"

# Errors: an unknown ref, an unknown repository.
expect_status 2 "$GRADER" grade --course "$C" --ref nope "$R"
contains "$T/err" "ref 'nope' not found"
expect_status 2 "$GRADER" grade --course "$C" "$T/nowhere"
contains "$T/err" "nowhere"
