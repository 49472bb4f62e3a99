# Regrading after a course change, end to end (no repositories are
# watched, so no poll grades the head by itself after the reload): a learner's commit graded,
# an exercise's expected output changed and the daemon reloaded (SIGHUP),
# one POST /api/v1/regrade queues that commit again (and nothing that the
# course has not changed for), the regrade's moves say which grades moved
# and how, the gradebook's latest follows while the attempts stay 1 (the
# same commit), and a second POST finds everything current.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1
command -v curl >/dev/null || fail "curl is needed"

fizzbuzz_repo

cp -R "$ROOT/exercises" "$T/course"
cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $T/course
workers: 1
listen: 127.0.0.1:$port
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
  - { name: teacher, role: instructor, token_sha256: $(sha instructor-token) }
  - { name: ana, role: learner, learner: ana, token_sha256: $(sha ana-token) }
Y
trap 'stop_all; rm -rf "$T"' EXIT
start_daemon

api POST /api/v1/submissions instructor-token '{"repo": "'"$T/ana.git"'", "commit": "'"$commit"'", "learner": "ana", "exercises": ["python/fizzbuzz"]}'
code_is 202
job1=$(field "r['id']")
wait_state "$job1" done

# nothing changed yet: nothing to regrade
api POST /api/v1/regrade instructor-token ''
code_is 202
json_is "$T/body" "(r['queued'], r['current'])" "(0, 1)"
api POST /api/v1/regrade ana-token ''
code_is 403
api POST /api/v1/regrade instructor-token '{"exercises": ["python/nothing"]}'
code_is 400
contains "$T/body" "unknown exercise python/nothing"
api POST /api/v1/regrade instructor-token '{"exercise": ["python/fizzbuzz"]}'
code_is 400
contains "$T/body" 'unknown key \"exercise\"'

# The course changes: "n = 1" now expects "2" (ana's 1 point there is
# lost); the daemon reloads it.
sed -i 's|      stdout: "1\\n"|      stdout: "2\\n"|' "$T/course/python/fizzbuzz/exercise.yaml"
grep -q 'stdout: "2\\n"' "$T/course/python/fizzbuzz/exercise.yaml" || fail "the exercise was not changed"
kill -HUP "$daemon"
for _ in $(seq 100); do grep -q '"msg":"reloaded"' "$T/daemon.log" && break; sleep 0.1; done
grep -q '"msg":"reloaded"' "$T/daemon.log" || fail "the daemon did not reload: $(tail -3 "$T/daemon.log")"

api POST /api/v1/regrade instructor-token ''
code_is 202
json_is "$T/body" "(r['queued'], r['current'], r['moves'])" "(1, 0, '/api/v1/regrades')"
job2=$(field "r['jobs'][0]")
[ "$job2" != "$job1" ] || fail "the regrade is the old job"
wait_state "$job2" done
json_is "$T/body" "r['report']['exercises'][0]['score']" 9

api GET /api/v1/regrades instructor-token
code_is 200
is_json
json_is "$T/body" "sorted((m['exercise'], m['check'], m['before'], m['after']) for m in r['moves'])" \
	"[('python/fizzbuzz', '', 10, 9), ('python/fizzbuzz', 'n = 1', 1, 0)]"
json_is "$T/body" "[(m['job'], m['learner'], m['before_status'], m['after_status']) for m in r['moves'] if m['check']]" \
	"[($job2, 'ana', 'passed', 'failed')]"
api GET "/api/v1/regrades?since=$job2" instructor-token
json_is "$T/body" "r['moves']" "[]"
api GET /api/v1/regrades ana-token
code_is 403

# the gradebook follows: latest 9, best still 10, one attempt (one commit)
api GET /api/v1/learners/ana/grades instructor-token
json_is "$T/body" "(lambda e: (e['latest'], e['best'], e['attempts']))(r['learners'][0]['exercises']['python/fizzbuzz'])" "(9, 10, 1)"

# and now everything is graded by this course
api POST /api/v1/regrade instructor-token '{"exercises": ["python/fizzbuzz"]}'
code_is 202
json_is "$T/body" "(r['queued'], r['current'])" "(0, 1)"
echo "test_daemon_regrade: ok"
