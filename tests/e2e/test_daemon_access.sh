# grader serve, who may do what: every route of the API with every role's
# token and with none, against a running daemon, checked with the table
# of docs/operations.md ("Who may do what"); a ci or learner token cannot
# credit one learner's code to another; a ci token submits and reads
# nothing; every reply of the API is JSON, the web pages' HTML.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
[ -n "${T:-}" ] && [ -d "$T" ] || exit 1 # never write repositories into /
command -v curl >/dev/null || fail "curl is needed"

export GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@example.edu
export GIT_COMMITTER_NAME=Ana GIT_COMMITTER_EMAIL=ana@example.edu
# repo NAME: a bare remote $T/NAME.git with one fizzbuzz commit on main;
# prints the commit.
repo() {
	git init -q --bare -b main "$T/$1.git"
	git init -q -b main "$T/$1-work"
	mkdir -p "$T/$1-work/python/fizzbuzz"
	cp "$ROOT/exercises/python/fizzbuzz/solution/fizzbuzz.py" "$T/$1-work/python/fizzbuzz/"
	echo "# $1" >>"$T/$1-work/python/fizzbuzz/fizzbuzz.py"
	git -C "$T/$1-work" add -A && git -C "$T/$1-work" commit -q -m "feat: fizzbuzz"
	git -C "$T/$1-work" push -q "$T/$1.git" main
	git -C "$T/$1-work" rev-parse HEAD
}
ana_commit=$(repo ana)
bob_commit=$(repo bob)
export GH_SECRET="hook-secret"
cat >"$T/grader.yaml" <<Y
state_dir: $T/state
course: $ROOT/exercises
workers: 1
listen: 127.0.0.1:$port
poll: { interval: 1h }
webhooks:
  github: { secret_env: GH_SECRET }
repositories:
  - { learner: ana, url: $T/ana.git, branch: main }
  - { learner: bob, url: $T/bob.git, branch: main }
tokens:
  - { name: root, role: admin, token_sha256: $(sha admin-token) }
  - { name: teacher, role: instructor, token_sha256: $(sha instructor-token) }
  - { name: ana, role: learner, learner: ana, token_sha256: $(sha ana-token) }
  - { name: bob, role: learner, learner: bob, token_sha256: $(sha bob-token) }
  - { name: ci, role: ci, token_sha256: $(sha ci-token) }
Y
trap 'stop_all; rm -rf "$T"' EXIT
start_daemon

submission() { # submission REPO COMMIT [LEARNER]: a body
	printf '{"repo": "%s", "commit": "%s", "exercises": ["python/fizzbuzz"]%s}' \
		"$T/$1.git" "$2" "${3:+, \"learner\": \"$3\"}"
}

# ---- a learner's code is credited to that learner, whoever submits ----
# The issue's case: a ci token names another learner for ana's repository.
api POST /api/v1/submissions ci-token "$(submission ana "$ana_commit" bob)"
code_is 403
is_json
contains "$T/body" "this token may not choose the learner"
api POST /api/v1/submissions ana-token "$(submission ana "$ana_commit" bob)"
code_is 403
contains "$T/body" "this token may not choose the learner"
# naming the repository's own learner is no choice at all
api POST /api/v1/submissions ci-token "$(submission ana "$ana_commit" ana)"
code_is 202
ana_job=$(field "r['id']")
wait_state "$ana_job" done
json_is "$T/body" "r['learner']" ana
# nothing of ana's reached bob: not by id, not in bob's reports
api GET "/api/v1/submissions/$ana_job" bob-token
code_is 404
api GET /api/v1/learners/bob/reports bob-token
code_is 200
json_is "$T/body" "[s['id'] for s in r['submissions'] if s['repo'] != '$T/bob.git']" "[]"
json_is "$T/body" "len(r['submissions']) > 0" True # the poller's grading of bob's head
# staff may credit a learner explicitly (e.g. pair work)
api POST /api/v1/submissions instructor-token "$(submission bob "$bob_commit" ana)"
code_is 202
json_is "$T/body" "r['deduplicated']" False
staff_job=$(field "r['id']")
api GET "/api/v1/submissions/$staff_job" admin-token
json_is "$T/body" "r['learner']" ana

# ---- every route, every role (docs/operations.md, "Who may do what") ----
# check ROUTE-LABEL METHOD PATH BODY WANT-NONE WANT-ADMIN WANT-INSTRUCTOR
#       WANT-LEARNER(ana) WANT-CI: the status for each caller; every reply
#       but /metrics' 200 is JSON.
checked=0
check() {
	label=$1 method=$2 path=$3 body=$4
	shift 4
	for who in none admin instructor ana ci; do
		want=$1
		shift
		token="$who-token"
		[ "$who" = none ] && token=""
		api "$method" "$path" "$token" "$body"
		[ "$(cat "$T/code")" = "$want" ] ||
			fail "$label as $who: expected HTTP $want, got $(cat "$T/code"): $(cat "$T/body")"
		# the web pages are HTML (a 303 to the sign-in page has no body)
		case "$path:$want" in
		/metrics:200 | /api/v1/grades.csv:200 | /:* | /static/*:* | /gradebook:* | /exercises*:* | /ops:* | /learners/*:* | /login:*) ;;
		*) is_json ;;
		esac
		checked=$((checked + 1))
	done
}
check healthz GET /healthz "" 200 200 200 200 200
check metrics GET /metrics "" 401 200 200 403 403
# a submission of ana's repository: own for ana, configured for ci
check submit POST /api/v1/submissions "$(submission ana "$ana_commit")" 401 202 202 202 202
# of bob's: not ana's own
check submit-other POST /api/v1/submissions "$(submission bob "$bob_commit")" 401 202 202 403 202
# of a URL no one configured: staff only (the grader will fetch it)
check submit-unknown POST /api/v1/submissions '{"repo": "'"$T/nowhere.git"'", "commit": "'"$ana_commit"'"}' \
	401 202 202 403 403
check read-own GET "/api/v1/submissions/$ana_job" "" 401 200 200 200 403
check read-other GET "/api/v1/submissions/$staff_job" "" 401 200 200 200 403
api GET "/api/v1/submissions/$staff_job" bob-token # credited to ana: not bob's
code_is 404
check read-missing GET /api/v1/submissions/999999 "" 401 404 404 404 403
check reports-own GET /api/v1/learners/ana/reports "" 401 200 200 200 403
check reports-other GET /api/v1/learners/bob/reports "" 401 200 200 403 403
check grades-own GET /api/v1/learners/ana/grades "" 401 200 200 200 403
check grades-other GET /api/v1/learners/bob/grades "" 401 200 200 403 403
check gradebook GET /api/v1/grades "" 401 200 200 403 403
check gradebook-csv GET /api/v1/grades.csv "" 401 200 200 403 403
check stats GET "/api/v1/stats?exercise=python/fizzbuzz" "" 401 200 200 403 403
check regrade POST /api/v1/regrade "" 401 202 202 403 403
check regrades GET /api/v1/regrades "" 401 200 200 403 403
check ops GET /api/v1/ops "" 401 200 403 403 403
# webhooks are open: a token is neither needed nor enough, the signature is
check webhook POST /webhooks/github '{}' 400 400 400 400 400
check method DELETE /api/v1/submissions/1 "" 401 405 405 405 405
check nowhere GET /api/v1/nowhere "" 404 404 404 404 404
# the web pages (docs/web.md): a bearer token opens them as a cookie does;
# without either, a page sends the browser to the sign-in page (303)
check index GET / "" 200 200 200 200 200
check static GET /static/app.js "" 200 200 200 200 200
check static-missing GET /static/nothing.js "" 404 404 404 404 404
check session GET /api/v1/session "" 401 200 200 200 403
check gradebook-page GET /gradebook "" 303 200 200 403 403
check exercises-page GET "/exercises?id=python/fizzbuzz" "" 303 200 200 403 403
check ops-page GET /ops "" 303 200 403 403 403
check learner-page-own GET /learners/ana "" 303 200 200 200 403
check learner-page-other GET /learners/bob "" 303 200 200 403 403
check login POST /login "" 401 401 401 401 401 # no token field: the form again
check logout POST /logout "" 200 200 200 200 200
[ "$checked" = 160 ] || fail "checked $checked route/role pairs, expected 160"
# the exercise as a browser sends it, %-encoded, is the same; a bad escape is 400
api GET "/api/v1/stats?exercise=python%2Ffizzbuzz" instructor-token
code_is 200
json_is "$T/body" "r['exercise']" python/fizzbuzz
api GET "/api/v1/stats?exercise=python%2" instructor-token
code_is 400
api GET /learners/bob ana-token
grep -q '^text/html' "$T/type" || fail "a page's 403 is $(cat "$T/type"), not HTML"
contains "$T/body" "You may see your own submissions only, not bob&#39;s."
# a path's arguments are matched encoded and decoded after: an encoded
# name is the same learner (and the same rights), a %2F stays inside the
# one segment, an encoded NUL is refused
api GET /api/v1/learners/an%61/reports ana-token
code_is 200
json_is "$T/body" "r['learner']" ana
api GET /api/v1/learners/b%6Fb/reports ana-token
code_is 403
api GET /api/v1/learners/a%2Fb/reports admin-token
code_is 200
json_is "$T/body" "r['learner']" a/b
api GET /api/v1/learners/a%00b/reports admin-token
code_is 400
is_json
api GET /api/v1/session ana-token
json_is "$T/body" "(r['name'], r['role'], r['learner'], 'csrf_token' in r)" "('ana', 'learner', 'ana', False)"

# What each right shows: staff see hidden checks, learners get them redacted.
hidden="[c for c in r['report']['exercises'][0]['checks'] if c['hidden']]"
api GET "/api/v1/submissions/$ana_job" instructor-token
json_is "$T/body" "len($hidden) > 0 and all('input' in c for c in $hidden)" True
api GET "/api/v1/submissions/$ana_job" ana-token
json_is "$T/body" "len($hidden) > 0 and all('input' not in c and 'diff' not in c for c in $hidden)" True
# ci's 403s say why
api GET "/api/v1/submissions/$ana_job" ci-token
contains "$T/body" "this token may submit but not read submissions"
api GET /api/v1/learners/ana/reports ci-token
contains "$T/body" "this token may not read ana's reports"
