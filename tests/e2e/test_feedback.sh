# What a learner reads of a failed check: its input (a file's first lines,
# never just its name), the common cause in words, the legend of the marks,
# and a command that re-runs just that check (grade --check).
. "$(dirname "$0")/lib.sh"
C="$T/course"
mkdir -p "$C/greet/tests" "$T/sub/greet"
cat >"$C/course.yaml" <<'Y'
title: Feedback course
exercises:
  - path: greet
    stage: 1
    submit: greet
Y
cat >"$C/greet/exercise.yaml" <<'Y'
id: fb/greet
title: Greetings
kind: io
files: [greet.py]
limits: { wall: 10s, memory: 128MiB }
run: ["python3", "greet.py"]
checks:
  - name: hello
    points: 1
    stdin: "hello\n"
    expect:
      stdout: "hello\n"
  - name: long input
    points: 1
    depends_on: hello
    stdin: { file: tests/long.in }
    expect:
      stdout: { exact: { file: tests/long.out } }
  - name: line endings
    points: 1
    stdin: "crlf\n"
    hint: The check's own hint comes after the expectation's.
    expect:
      stdout: { exact: "crlf\n", hint: "Write the text with print(), not bytes." }
  - name: with arguments
    points: 1
    args: ["--name", "Ana Lee"]
    env: { GREETING: Hi }
    files: { names.txt: "Ana\nBo\n" }
    stdin: "args\n"
    expect:
      stdout: "Hi Ana Lee\n"
Y
seq 1 30 >"$C/greet/tests/long.in"
seq 1 30 | sed 's/^/n=/' >"$C/greet/tests/long.out"
# The learner writes a Cyrillic "о" in hello, Windows line endings for crlf,
# and forgets the space in the greeting.
cat >"$T/sub/greet/greet.py" <<'P'
import os, sys
data = sys.stdin.read()
if data == "hello\n":
    sys.stdout.write("hell\u043e\n")
elif data == "crlf\n":
    sys.stdout.buffer.write(b"crlf\r\n")
elif data == "args\n":
    sys.stdout.write(os.environ["GREETING"] + sys.argv[2] + "\n")
else:
    for line in data.split():
        print("n=" + line)
P
expect_status 0 "$GRADER" lint "$C"
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/sub"
cp "$T/out" "$T/text"
# the look-alike is named, both sides are no longer the same to the eye
contains "$T/text" 'your "о" is U+043E CYRILLIC SMALL LETTER O, not the ASCII "o" that was expected'
contains "$T/text" "Windows line endings: your lines end with \\r\\n (shown ␍); end them with \\n only"
contains "$T/text" "legend:   ␍ a carriage return (\\r)"
# an expectation's hint, then the check's
contains "$T/text" "hint: Write the text with print(), not bytes."
contains "$T/text" "The check's own hint comes after the expectation's."
# the input of a failed check, shown without --verbose: stdin inline,
# quoted arguments, the environment and an input file's content
contains "$T/text" "input:    stdin: hello"
contains "$T/text" "args: --name 'Ana Lee'"
contains "$T/text" "env: GREETING=Hi"
contains "$T/text" "file names.txt:"
contains "$T/text" "Bo"
# a re-run command per failed check
contains "$T/text" "re-run:   grader grade --course $C --exercise fb/greet --check hello -f text $T/sub"
contains "$T/text" "re-run:   grader grade --course $C --exercise fb/greet --check 'with arguments' -f text $T/sub"

# The first lines of a long stdin file, not the file's name alone: make
# hello pass, so that long input runs, and break its output.
sed -i 's/hell\\u043e/hello/' "$T/sub/greet/greet.py"
sed -i 's/print("n=" + line)/print("n=" + line + (" " if line == "7" else ""))/' "$T/sub/greet/greet.py"
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color "$T/sub"
cp "$T/out" "$T/text2"
contains "$T/text2" "input:    stdin (tests/long.in):"
contains "$T/text2" "… (the first 10 lines shown)"
lacks "$T/text2" "                  11"
contains "$T/text2" "trailing whitespace: your line 7 ends with 1 space that the expected line does not have"
contains "$T/text2" "legend:   · a space at the end of a line"

# The printed command re-runs just that check (and what it depends on).
cmd=$(sed -n 's/^ *re-run:   \(.*--check .long input.*\)$/\1/p' "$T/text2")
[ -n "$cmd" ] || fail "no re-run command for 'long input'"
cmd=$(printf '%s' "$cmd" | sed "s|^grader |\"\$GRADER\" |; s| -f text | -f json -o \"\$T/one.json\" |")
set +e
eval "$cmd" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "the re-run command exited $rc: $cmd"
valid_report "$T/one.json"
json_is "$T/one.json" "[(c['name'], c['status']) for c in r['exercises'][0]['checks']]" \
	"[('hello', 'passed'), ('long input', 'failed'), ('line endings', 'skipped'), ('with arguments', 'skipped')]"
json_is "$T/one.json" "r['exercises'][0]['checks'][2]['message']" "not run: not selected (--check)"

# An empty expectation hint is a definition error.
cp "$C/greet/exercise.yaml" "$T/saved.yaml"
sed -i 's/hint: "Write the text with print(), not bytes."/hint: ""/' "$C/greet/exercise.yaml"
expect_status 2 "$GRADER" lint "$C"
contains "$T/err" "'hint' is empty: give the help a learner reads when this expectation fails"
cp "$T/saved.yaml" "$C/greet/exercise.yaml"

# A check no exercise has is a usage error that suggests the close one.
expect_status 2 "$GRADER" grade --course "$C" --check 'long inptu' "$T/sub"
contains "$T/err" "grader grade: no check 'long inptu' in fb/greet (did you mean 'long input'?)"

# The markdown report carries the same command.
expect_status 1 "$GRADER" grade --course "$C" --format markdown "$T/sub"
contains "$T/out" "grader grade --course $C --exercise fb/greet --check 'long input' -f text $T/sub"
# A program the exercise needs that the grading machine lacks is the
# grader's error, not a failed check; a program of the learner's that
# cannot run stays the learner's.
mkdir -p "$T/c2/need" "$T/sub2/need"
printf 'title: Needs\nexercises:\n  - path: need\n    stage: 1\n' >"$T/c2/course.yaml"
cat >"$T/c2/need/exercise.yaml" <<'Y'
id: fb/need
title: A missing interpreter
kind: io
files: [run.sh]
run: ["no-such-interpreter-9", "run.sh"]
checks:
  - name: runs
    stdin: ""
    expect:
      stdout: ""
Y
echo 'echo hi' >"$T/sub2/need/run.sh"
expect_status 3 "$GRADER" grade --course "$T/c2" --output "$T/need.json" "$T/sub2"
valid_report "$T/need.json"
json_is "$T/need.json" "r['exercises'][0]['checks'][0]['status']" error
contains "$T/need.json" "the grading machine cannot run 'no-such-interpreter-9': No such file or directory"
expect_status 3 "$GRADER" grade --course "$T/c2" --format text --no-color "$T/sub2"
contains "$T/out" "grader error (not your fault): the grading machine cannot run 'no-such-interpreter-9'"
lacks "$T/out" "re-run:"
sed -i 's|run: \["no-such-interpreter-9", "run.sh"\]|run: ["./run.sh"]|' "$T/c2/need/exercise.yaml"
expect_status 1 "$GRADER" grade --course "$T/c2" --output "$T/own.json" "$T/sub2"
json_is "$T/own.json" "r['exercises'][0]['checks'][0]['status']" failed
contains "$T/own.json" "cannot execute './run.sh'"
# An unavailable database is the grader's error too, said once.
mkdir -p "$T/pgsub/sql/postgres-window"
cp "$ROOT/exercises/sql/postgres-window/solution/"*.sql "$T/pgsub/sql/postgres-window/"
GRADER_POSTGRES="host=127.0.0.1 port=1 dbname=none connect_timeout=2" \
	expect_status 3 "$GRADER" grade --course "$ROOT/exercises" -e sql/postgres-window --format text --no-color "$T/pgsub"
contains "$T/out" "grader error (not your fault): the exercise's database could not be built: cannot connect to PostgreSQL"
n=$(grep -c "cannot connect to PostgreSQL" "$T/out")
[ "$n" = 1 ] || fail "the database error is said $n times, not once"
contains "$T/out" "! running total per department"

# A single exercise is graded in the folder named by its id, and a
# submission without it is told which folder is missing.
expect_status 2 "$GRADER" grade --course "$C/greet" "$T/sub/greet"
contains "$T/err" "grader grade: the submission has no folder fb/greet/: a single exercise is graded in the folder named by its id"
mkdir -p "$T/single/fb" && cp -r "$T/sub/greet" "$T/single/fb/greet"
expect_status 1 "$GRADER" grade --course "$C/greet" --output "$T/single.json" "$T/single"
json_is "$T/single.json" "r['exercises'][0]['id']" fb/greet
echo "feedback e2e ok"
