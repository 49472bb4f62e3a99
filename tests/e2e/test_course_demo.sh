# The bundled course graded end to end: the sample learner gets the
# statuses its mistakes deserve, every format is produced, the report
# matches the schema, the hidden checks stay hidden, and a Git history
# makes the git exercises gradeable from the same folder.
. "$(dirname "$0")/lib.sh"
C="$ROOT/exercises"

expect_status 0 "$GRADER" lint "$C"
contains "$T/out" "25 exercises"

expect_status 1 "$GRADER" grade --course "$C" --output "$T/r.json" "$ROOT/demo/learner"
valid_report "$T/r.json"
st="{e['id']: e['status'] for e in r['exercises']}"
json_is "$T/r.json" "$st['python/fizzbuzz']" passed
json_is "$T/r.json" "$st['dsa/shortest-path']" failed
json_is "$T/r.json" "$st['dsa/leaderboard']" failed
json_is "$T/r.json" "$st['linux/log-report']" passed
json_is "$T/r.json" "$st['linux/config-from-env']" failed
json_is "$T/r.json" "$st['sql/select-filter']" passed
json_is "$T/r.json" "$st['sql/transactions']" failed
contains "$T/r.json" "on dataset 'poor': table accounts"
# without a history the git exercises fail, saying why
contains "$T/r.json" "has no Git history"
# the directed-graph mistake is named at the first differing line
sp="[c for e in r['exercises'] if e['id']=='dsa/shortest-path' for c in e['checks'] if c['name']=='edges go both ways'][0]"
json_is "$T/r.json" "$sp['diff']['expected'] + ' / ' + $sp['diff']['actual']" "2 / -1"
# the password check is hidden: a learner sees that it failed, not what it fed
lacks "$T/r.json" "s3cr3t-pw"

# the same learner as a repository: the git exercises read its history
cp -R "$ROOT/demo/learner" "$T/repo"
(
	cd "$T/repo"
	export GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@example.edu
	export GIT_COMMITTER_NAME=Ana GIT_COMMITTER_EMAIL=ana@example.edu
	git init -q -b main . && printf '.env\n' >.gitignore
	git add -A && git commit -q -m "feat: the first exercises"
	echo >>README.md && git commit -q -am "docs(readme): a line"
	echo >>README.md && git commit -q -am "fix: typo"
)
expect_status 0 "$GRADER" grade --course "$C" --exercise git/conventional-commits \
	--exercise git/no-secrets --output "$T/g.json" "$T/repo"
valid_report "$T/g.json"
json_is "$T/g.json" "[e['status'] for e in r['exercises']]" "['passed', 'passed']"
contains "$T/g.json" '"commit"'
json_is "$T/g.json" "r['score']" 20

for f in text junit markdown gradescope exercism; do
	expect_status 1 "$GRADER" grade --course "$C" --format "$f" --no-color "$ROOT/demo/learner"
	[ -s "$T/out" ] || fail "$f report is empty"
	lacks "$T/out" "s3cr3t-pw"
done
