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

# A course whose exercise has a bad kind: the course lint names it.
mkdir -p "$T/course/ex"
printf 'title: C\nexercises:\n  - path: ex\n' >"$T/course/course.yaml"
printf 'id: c/ex\ntitle: X\nkind: oi\nchecks:\n  - name: a\n' >"$T/course/ex/exercise.yaml"
expect_status 2 "$GRADER" lint "$T/course"
contains "$T/err" "did you mean 'io'"

# A good course lints clean.
expect_status 0 "$GRADER" lint "$ROOT/exercises"
contains "$T/out" "ok"
