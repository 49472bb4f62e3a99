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
