# lib.sh - helpers for end-to-end tests (sourced). Each helper fails the
# test with a message naming what was expected.
set -eu
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_status WANT CMD...: runs CMD, fails unless it exits with WANT.
# Its stdout is left in $T/out and stderr in $T/err.
expect_status() {
	want=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "--- stdout" >&2; head -c 4000 "$T/out" >&2
		echo "--- stderr" >&2; head -c 4000 "$T/err" >&2
		fail "expected exit $want from: $*; got $got"
	fi
}

# contains FILE TEXT: fails unless FILE contains TEXT (fixed string).
contains() {
	grep -qF -- "$2" "$1" || { head -c 3000 "$1" >&2; fail "$1 lacks: $2"; }
}

lacks() {
	if grep -qF -- "$2" "$1"; then head -c 3000 "$1" >&2; fail "$1 should not contain: $2"; fi
}

# jq_py FILE EXPR: evaluates a Python expression over the JSON in FILE
# (bound to r) and prints the result.
jq_py() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# json_is FILE EXPR WANT: fails unless the expression prints WANT.
json_is() {
	got=$(jq_py "$1" "$2")
	[ "$got" = "$3" ] || fail "$2 is '$got', expected '$3'"
}

# valid_report FILE: validates a JSON report against the schema.
valid_report() {
	/usr/bin/python3 "$ROOT/tests/validate_report.py" "$1" || fail "$1 does not match docs/report.schema.json"
}

# git_course: a fixed author, no host git config, mirrors under $T/state,
# and the two git exercises of the bundled course as a course in
# $T/course graded on the repository's root; sets C.
git_course() {
	export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
	export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	export GRADER_STATE_DIR="$T/state"
	C="$T/course"
	mkdir -p "$C"
	cp -R "$ROOT/exercises/git" "$C/"
	cat >"$C/course.yaml" <<'Y'
title: Git course
exercises:
  - { path: git/conventional-commits, submit: . }
  - { path: git/no-secrets, submit: . }
Y
}
