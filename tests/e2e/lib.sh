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
	python3 "$ROOT/tests/validate_report.py" "$1" || fail "$1 does not match docs/report.schema.json"
}
