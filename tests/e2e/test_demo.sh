# `make demo` (ci/demo.sh): the daemon is started, sees the learner's
# push, grades it, the report is printed, and the daemon is stopped.
. "$(dirname "$0")/lib.sh"
expect_status 0 env DEMO_KEEP=1 sh "$ROOT/ci/demo.sh"
for want in "ok (" "the daemon answers on http://127.0.0.1:" "git push origin main" \
	"graded in " "python/fizzbuzz" "Score: " "the sample learner fails some checks, as intended" \
	"her web page answers: http://127.0.0.1:" \
	"Stopping the daemon."; do
	contains "$T/out" "$want"
done
kept=$(sed -n 's/^(kept: \(.*\))$/\1/p' "$T/out")
[ -n "$kept" ] && [ -d "$kept" ] || fail "the demo did not say which folder it kept"
# The report it printed is the one the daemon stored, and nothing runs on.
ls "$kept"/reports/*.json >/dev/null 2>&1 || fail "no report in the demo's reports_dir"
valid_report "$(ls "$kept"/reports/*.json | head -n 1)"
sleep 0.5
if pgrep -f "serve --config $kept/grader.yaml" >/dev/null; then
	fail "the demo left its daemon running"
fi
rm -rf "$kept"
