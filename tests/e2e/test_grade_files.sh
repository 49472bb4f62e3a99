# Grading a files exercise end to end (exercises/docker/dockerfile): the
# solution scores full marks, each known-wrong Dockerfile loses its check
# with a message naming the file and line, and hostile submissions (links
# to /etc/passwd and out of the submission, a huge file, binary garbage, a
# 10,000-line continuation, a folder named Dockerfile) each get a clear
# outcome, never the grader's crash or a host file's content.
. "$(dirname "$0")/lib.sh"
C="$ROOT/exercises/docker/dockerfile"
S="$T/sub"
D="$S/docker/dockerfile"

expect_status 0 "$GRADER" lint "$C"
expect_status 0 "$GRADER" check "$C"
contains "$T/out" "ok: 0 rules broken"

# sub FOLDER: a submission holding FOLDER as the exercise's folder.
sub() {
	rm -rf "$S"
	mkdir -p "$S/docker"
	cp -R "$1" "$D"
}

# grade WANT_STATUS NAME: grades $S into $T/NAME.json (instructor view).
grade() {
	expect_status "$1" "$GRADER" grade -q --course "$C" --audience instructor --output "$T/$2.json" "$S"
	valid_report "$T/$2.json"
}

check_of() {
	echo "[c for c in r['exercises'][0]['checks'] if c['name']=='$1'][0]"
}

sub "$C/solution"
grade 0 solution
json_is "$T/solution.json" "r['score']" 10
json_is "$T/solution.json" "r['max_score']" 10

sub "$C/wrong/latest-tag"
grade 1 latest
json_is "$T/latest.json" "r['score']" 8
json_is "$T/latest.json" "$(check_of 'the base image is pinned')['message']" \
	"Dockerfile:5: FROM python:latest: pin the image to a version tag or a digest (python:3.12-slim, python@sha256:...)"

sub "$C/wrong/runs-as-root"
grade 1 root
json_is "$T/root.json" "r['score']" 7
json_is "$T/root.json" "$(check_of 'the container does not run as root')['message']" \
	"Dockerfile:5: the final stage (Dockerfile:5) runs as root: add USER with a non-root user after installing packages"

sub "$C/wrong/secret-in-env"
grade 1 secret
json_is "$T/secret.json" "r['score']" 8
contains "$T/secret.json" "Dockerfile:10: ENV DB_PASSWORD=... puts a secret into the image; pass it at run time"
lacks "$T/secret.json" "hunter2"

sub "$C/wrong/shell-form-cmd"
grade 1 shell
json_is "$T/shell.json" "r['score']" 9
contains "$T/shell.json" "Dockerfile:27: CMD python app.py is the shell form"

sub "$C/wrong/env-not-ignored"
grade 1 env
json_is "$T/env.json" "r['score']" 8
json_is "$T/env.json" "$(check_of 'no .env file in the submission')['message']" \
	".env must not exist in the submission, and it does"
json_is "$T/env.json" "'diff' in $(check_of 'a .dockerignore keeps .env out of the build')" True

# Text for people: the message and the score line.
expect_status 1 "$GRADER" grade -q --course "$C" --format text --no-color "$S"
contains "$T/out" "8/10"
contains "$T/out" ".env must not exist"

# A Dockerfile that is a link to /etc/passwd, or out of the submission:
# never read, the core says it is missing.
for target in /etc/passwd ../../../outside; do
	sub "$C/solution"
	echo "FROM python:latest" >"$T/outside"
	rm "$D/Dockerfile"
	ln -s "$target" "$D/Dockerfile"
	grade 1 link
	json_is "$T/link.json" "r['score']" 0
	contains "$T/link.json" "missing file Dockerfile in docker/dockerfile/ of the submission"
	lacks "$T/link.json" "root:x:"
	lacks "$T/link.json" "python:latest"
done

# A .dockerignore that is a link: its check fails, saying so; the rest pass.
sub "$C/solution"
rm "$D/.dockerignore"
ln -s /etc/passwd "$D/.dockerignore"
grade 1 ignorelink
json_is "$T/ignorelink.json" "r['score']" 9
contains "$T/ignorelink.json" ".dockerignore is a symbolic link: the grader reads only regular files of the submission, never through a link"
lacks "$T/ignorelink.json" "root:x:"

# A folder named Dockerfile is no file.
sub "$C/solution"
rm "$D/Dockerfile"
mkdir "$D/Dockerfile"
grade 1 dir
contains "$T/dir.json" "missing file Dockerfile"

# A huge Dockerfile (3 MiB): refused as too large, quickly.
sub "$C/solution"
{ cat "$C/solution/Dockerfile"; head -c 3145728 /dev/zero | tr '\0' '#'; } >"$D/Dockerfile"
grade 1 huge
json_is "$T/huge.json" "r['score']" 2
json_is "$T/huge.json" "$(check_of 'the base image is pinned')['message']" \
	"Dockerfile is larger than 1 MiB: too large to be read as text"

# Binary garbage with NUL bytes: not a text file.
sub "$C/solution"
head -c 65536 /dev/urandom >"$D/Dockerfile"
printf '\0' >>"$D/Dockerfile"
grade 1 binary
json_is "$T/binary.json" "r['score']" 2
contains "$T/binary.json" "Dockerfile holds NUL bytes: it is not a text file"

# Garbage without NULs: parsed, and its first word reported made visible.
sub "$C/solution"
printf '\001\033[31mFROM\tpython:3.12\n\377\376 USER app\n' >"$D/Dockerfile"
grade 1 garbage
contains "$T/garbage.json" "Dockerfile:1: '\\\\x01\\\\x1B[31mFROM' is not a Dockerfile instruction"
contains "$T/garbage.json" "Dockerfile:2: '\\\\xFF\\\\xFE' is not a Dockerfile instruction"
lacks "$T/garbage.json" "$(printf '\033')"

# One RUN continued over 10,000 lines: read in linear time, judged right.
sub "$C/solution"
{
	echo "FROM python:3.12-slim"
	echo "RUN true \\"
	i=0
	while [ $i -lt 10000 ]; do echo "    && echo line $i \\"; i=$((i + 1)); done
	echo "    && true"
	echo "USER app"
	echo 'CMD ["python", "app.py"]'
} >"$D/Dockerfile"
start=$(date +%s)
grade 0 long
[ $(($(date +%s) - start)) -lt 10 ] || fail "a 10,000-line continuation took too long"
json_is "$T/long.json" "r['score']" 10

# Line numbers count continued lines: a USER root after the long RUN.
sed -i 's/^USER app$/USER root/' "$D/Dockerfile"
grade 1 longroot
contains "$T/longroot.json" "Dockerfile:10004: USER root: the final stage (Dockerfile:1) runs as root"
