# The grader's faults are not the learner's: a grading whose report says
# error (here: a program the exercise needs is missing on the grading
# machine) is graded again without counting an attempt, grader_fault_retries
# times, and then its report is stored; learners read it as the grader's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1
command -v curl >/dev/null || fail "curl is needed"
export GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@example.edu
export GIT_COMMITTER_NAME=Ana GIT_COMMITTER_EMAIL=ana@example.edu
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

mkdir -p "$T/course/need"
printf 'title: Needs\nexercises:\n  - path: need\n    stage: 1\n' >"$T/course/course.yaml"
cat >"$T/course/need/exercise.yaml" <<'Y'
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
git init -q --bare -b main "$T/ana.git"
git init -q -b main "$T/work"
mkdir -p "$T/work/need"
echo 'echo hi' >"$T/work/need/run.sh"
git -C "$T/work" add -A && git -C "$T/work" commit -q -m "feat: run"
git -C "$T/work" push -q "$T/ana.git" main

cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $T/course
workers: 1
listen: 127.0.0.1:$port
max_attempts: 1
grader_fault_retries: 2
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
  - { name: ana, role: learner, learner: ana, token_sha256: $(sha ana-token) }
Y
trap 'stop_all; rm -rf "$T"' EXIT
start_daemon

api POST /api/v1/submissions admin-token '{"learner": "ana", "repo": "'"$T/ana.git"'", "ref": "refs/heads/main"}'
code_is 202
job=$(field "r['id']")
wait_state "$job" done
# max_attempts is 1: had the two retries counted, the job would have failed
json_is "$T/body" "r['attempts']" 1
json_is "$T/body" "r['report']['status']" error
json_is "$T/body" "r['report']['exercises'][0]['checks'][0]['status']" error
contains "$T/body" "the grading machine cannot run 'no-such-interpreter-9'"
n=$(grep -c '"grader error: queued again, no attempt counted"' "$T/daemon.log" || true)
[ "$n" = 2 ] || fail "expected 2 grader-fault retries in the log, found $n: $(cat "$T/daemon.log")"
log_has "r['msg'] == 'grader error: queued again, no attempt counted' and 'fb/need, runs: the grading machine cannot run' in r['error']"
# the learner's text report names it the grader's error
api GET "/api/v1/submissions/$job" ana-token
code_is 200
python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["report"], open(sys.argv[2], "w"))' "$T/body" "$T/learner.json"
expect_status 3 "$GRADER" report --format text --no-color "$T/learner.json"
contains "$T/out" "grader error (not your fault): the grading machine cannot run 'no-such-interpreter-9'"

# grader_fault_retries is checked like every other setting
sed -i 's/grader_fault_retries: 2/grader_fault_retries: 11/' "$T/grader.yaml"
expect_status 2 "$GRADER" serve --config "$T/grader.yaml" --check
contains "$T/err" "grader_fault_retries"
echo "daemon grader-fault e2e ok"
