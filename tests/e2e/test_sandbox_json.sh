# `grader sandbox --json`: the captured text is valid UTF-8 JSON whatever
# the command wrote: surrogates, overlongs, truncated sequences and NUL
# become U+FFFD (one per byte), valid characters pass unchanged.
. "$(dirname "$0")/lib.sh"

text() { jq_py "$T/out" "ascii(r['stdout']['text'])"; }

# U+D800 encoded as if it were a character: a UTF-16 surrogate.
expect_status 0 "$GRADER" sandbox --json -- printf '\355\240\200'
python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/out" ||
	fail "the JSON is not valid UTF-8"
lacks "$T/out" "$(printf '\355\240\200')"
json_is "$T/out" "r['stdout']['bytes']" 3
json_is "$T/out" "ascii(r['stdout']['text'])" "'\\ufffd\\ufffd\\ufffd'"

# Overlong NUL, the last surrogate, past U+10FFFF, NUL, a truncated é.
expect_status 0 "$GRADER" sandbox --json -- printf 'a\300\200b\355\277\277c\364\220\200\200d\000e\303'
[ "$(text)" = "'a\\ufffd\\ufffdb\\ufffd\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffd\\ufffdd\\ufffde\\ufffd'" ] ||
	fail "invalid bytes not each replaced: $(text)"

# Valid 1-4 byte characters are kept.
expect_status 0 "$GRADER" sandbox --json -- printf 'A\303\251\342\202\254\360\237\230\200'
[ "$(text)" = "'A\\xe9\\u20ac\\U0001f600'" ] || fail "valid UTF-8 changed: $(text)"

# The filter's policy as enforced: the tiers, one call a line.
expect_status 0 "$GRADER" sandbox --list-allowed
contains "$T/out" "allow read"
contains "$T/out" "fatal unshare"
grep -q '^allow-if personality: ' "$T/out" || fail "no personality rule: $(head -c 2000 "$T/out")"
grep -q '^refuse-eperm ' "$T/out" || fail "no refuse-eperm tier"
lacks "$T/out" "allow modify_ldt"
n=$(grep -c '^allow ' "$T/out")
[ "$n" -gt 200 ] || fail "only $n allowed calls listed"
expect_status 0 "$GRADER" sandbox --list-denied
lacks "$T/out" "allow read"
contains "$T/out" "fatal unshare"

# A call outside the allow-list fails (ENOSYS) and is named; the run goes
# on and ends ok. 154 is modify_ldt on x86-64.
expect_status 0 "$GRADER" sandbox --json -- /usr/bin/python3 -c \
	'import ctypes; print(ctypes.CDLL(None).syscall(154, 0, 0, 0))'
json_is "$T/out" "r['verdict']" ok
json_is "$T/out" "r['stdout']['text'].strip()" "-1"
json_is "$T/out" "r['refused_syscalls']" "['modify_ldt']"
json_is "$T/out" "r['refused_total']" 1
json_is "$T/out" "r['forks_refused']" 0
