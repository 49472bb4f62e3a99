# fixture.sh - writes a small io course into $1 (sourced by tests):
#   echo/            an exercise whose program must echo stdin upper-cased
#   learner-good/    a submission that passes everything
#   learner-bad/     one that gets the hidden and the dependent checks wrong
make_fixture() {
	d=$1
	mkdir -p "$d/course/echo/tests" "$d/learner-good/echo" "$d/learner-bad/echo"
	cat >"$d/course/course.yaml" <<'Y'
title: Fixture course
exercises:
  - path: echo
    stage: 1
    submit: echo
Y
	cat >"$d/course/echo/exercise.yaml" <<'Y'
id: fixture/echo
title: Shout it back
kind: io
files: [shout.py]
limits: { wall: 5s, memory: 128MiB }
run: ["python3", "shout.py"]
checks:
  - name: one line
    points: 2
    stdin: "hello\n"
    expect:
      stdout: "HELLO\n"
  - name: many lines
    points: 3
    depends_on: one line
    stdin: { file: tests/many.in }
    expect:
      stdout: { lines: { file: tests/many.out } }
  - name: secret input
    points: 5
    visibility: hidden
    stdin: "tab\there  \n"
    expect:
      stdout: "TAB\tHERE  \n"
Y
	printf 'a\nb\nc\n' >"$d/course/echo/tests/many.in"
	printf 'A\nB\nC\n' >"$d/course/echo/tests/many.out"
	cat >"$d/learner-good/echo/shout.py" <<'P'
import sys
for line in sys.stdin:
    sys.stdout.write(line.upper())
P
	cat >"$d/learner-bad/echo/shout.py" <<'P'
import sys
for line in sys.stdin:
    print(line.strip().upper())
P
}
