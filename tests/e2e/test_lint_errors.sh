# Linting a broken exercise reports every problem at once, with positions
# and hints, and exits 2.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/bad"
cat >"$T/bad/exercise.yaml" <<'Y'
id: broken/one
kind: io
run: python3 x.py
files: [../../etc/passwd]
limits: { wall: 2x, memory: lots }
checks:
  - name: a
    depends_on: b
    stdin: "1"
    expect: { stdoutt: "1" }
  - name: b
    depends_on: a
    visibility: hiden
    expect: { stdout: "2" }
Y
expect_status 2 "$GRADER" lint "$T/bad"
contains "$T/err" "exercise.yaml:"
contains "$T/err" "title"
contains "$T/err" "(did you mean 'stdout'?)"
contains "$T/err" "(did you mean 'hidden'?)"
contains "$T/err" "cycle"
contains "$T/err" "2x"
contains "$T/err" "../../etc/passwd"
n=$(grep -c ': error: ' "$T/err")
[ "$n" -ge 6 ] || fail "expected at least 6 errors at once, got $n"
grep -qE 'exercise.yaml:[0-9]+:[0-9]+: error: ' "$T/err" || fail "no line:column positions"

# The errors of a file come out sorted by line, then column, whichever
# step of the loader found them.
grep -oE '^[^:]*exercise.yaml:[0-9]+:[0-9]+' "$T/err" >"$T/pos" || true
sed -E 's/.*exercise.yaml:([0-9]+):([0-9]+)/\1 \2/' "$T/pos" >"$T/lc"
[ "$(wc -l <"$T/lc")" -ge 6 ] || fail "expected the positions of at least 6 errors"
sort -n -k1,1 -k2,2 -s "$T/lc" | cmp -s - "$T/lc" || { cat "$T/err" >&2; fail "errors not sorted by line:column"; }

# A course whose exercise has a bad kind: the course lint names it.
mkdir -p "$T/course/ex"
printf 'title: C\nexercises:\n  - path: ex\n' >"$T/course/course.yaml"
printf 'id: c/ex\ntitle: X\nkind: oi\nchecks:\n  - name: a\n' >"$T/course/ex/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/course"
contains "$T/err" "did you mean 'io'"

# A misspelt kind: the kind's keys are still checked, as for the kind
# 'did you mean' names, and the errors are sorted by line.
mkdir -p "$T/typo"
cat >"$T/typo/exercise.yaml" <<'Y'
id: typo/one
title: Typo
kind: oi
run: cat
colour: red
checks:
  - name: a
    stdn: "1"
    expect: { stdout: "1" }
  - name: a
    zzzz: 1
Y
expect_status 2 "$GRADER" lint "$T/typo"
cat >"$T/want" <<W
$T/typo/exercise.yaml:3:7: error: unknown kind 'oi' (did you mean 'io'?); the other keys are checked as for io
$T/typo/exercise.yaml:5:1: error: unknown key 'colour' in exercise.yaml: allowed here are id, title, kind, points, files, limits, checks, summary, run, env
$T/typo/exercise.yaml:8:5: error: unknown key 'stdn' (did you mean 'stdin'?)
$T/typo/exercise.yaml:10:11: error: duplicate check name 'a' (first at line 7; names must be unique)
$T/typo/exercise.yaml:11:5: error: unknown key 'zzzz' in a check: allowed here are name, points, visibility, depends_on, limits, expect, description, hint, stdin, args, env, files
$T/typo: 5 errors
W
diff -u "$T/want" "$T/err" || fail "the misspelt kind's lint output differs"

# A kind that is not close to any: the shared keys are checked, and the
# message says the kind's keys were not.
sed -i 's/^kind: oi$/kind: spreadsheet/' "$T/typo/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/typo"
contains "$T/err" "unknown kind 'spreadsheet' (known kinds: io,"
contains "$T/err" "the keys of the kind are not checked until it is known"
contains "$T/err" "duplicate check name 'a' (first at line 7"
lacks "$T/err" "unknown key"

# YAML syntax errors in our words, at the character to change.
mkdir -p "$T/syn"
printf 'id: syn/one\ntitle: Say: hello\nkind: io\n' >"$T/syn/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/syn"
contains "$T/err" "exercise.yaml:2:11: error: a second ': ' on this line: if it belongs to the value, quote the value (title: \"Say: hello\")"
printf 'id: syn/one\ntitle: T\nkind: io\nchecks:\n\t- name: a\n' >"$T/syn/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/syn"
contains "$T/err" "exercise.yaml:5:1: error: a tab is not allowed for indentation here: use spaces"
printf 'id: syn/one\ntitle: "T\nkind: io\n' >"$T/syn/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/syn"
contains "$T/err" "exercise.yaml:2:8: error: the quote '\"' opened at 2:8 is not closed"
printf 'id: syn/one\ntitle: `T`\n' >"$T/syn/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/syn"
contains "$T/err" "exercise.yaml:2:8: error: '\`' cannot start a value or a key: quote it"
lacks "$T/err" "invalid YAML"

# An exercise listed twice in a course, the repeat with a mistake of its
# own: the exercise's problem once, the repeat with both of its problems.
mkdir -p "$T/dup/ex"
printf 'title: C\nexercises:\n  - path: ex\n  - path: ex\n    stage: zero\n' >"$T/dup/course.yaml"
printf 'id: dup/ex\ntitle: X\nkind: io\nrun: cat\nchecks:\n  - {name: a, stdin: x, expect: {stdout: x}, pionts: 1}\n' >"$T/dup/ex/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/dup"
n=$(grep -c "unknown key 'pionts' (did you mean 'points'?)" "$T/err")
[ "$n" -eq 1 ] || fail "the exercise's problem should be reported once, got $n"
contains "$T/err" "course.yaml:4:11: error: exercise 'ex' is listed twice (first at line 3): list each exercise once"
contains "$T/err" "course.yaml:5:12: error: 'stage' must be an integer, not 'zero'"
contains "$T/err" "$T/dup: 3 errors"

# A good course lints clean.
expect_status 0 "$GRADER" lint "$ROOT/exercises"
contains "$T/out" "ok"
