# `grader check` measures the reference per check and warns about limits
# under 3x its figures and about a known-wrong solution that only times
# out; --repeat finds a flaky check; --calibrate stores the reference's
# figures for limits written as 'Nx reference', which grading then uses,
# and a stale or missing calibration is a definition error.
. "$(dirname "$0")/lib.sh"

# ---- figures and warnings ----
E="$T/tight"
mkdir -p "$E/solution" "$E/wrong/slow" "$E/wrong/bad"
cat >"$E/exercise.yaml" <<'Y'
id: t/tight
title: Tight limits
kind: io
files: [prog.sh]
limits: { wall: 1.2s }
run: [sh, prog.sh]
checks:
  - name: sleepy
    stdin: "sleep"
    expect: { stdout: "ok\n" }
  - name: burner
    limits: { cpu: 1s, wall: 8s }
    stdin: "burn"
    expect: { stdout: "ok\n" }
Y
# the reference sleeps 0.5 s in one check and burns 0.5 s of CPU in the
# other (measured by the process's own CPU clock, so on any machine): both
# under 3x their limits, both within them
cat >"$E/solution/prog.sh" <<'S'
read x || true
if [ "$x" = burn ]; then
	/usr/bin/python3 -c 'import time
t = time.process_time()
while time.process_time() - t < 0.5:
    pass'
else
	sleep 0.5
fi
echo ok
S
# right, but too slow for 'sleepy': it fails only by timing out
printf 'read x || true\n[ "$x" = burn ] || sleep 3\necho ok\n' >"$E/wrong/slow/prog.sh"
# wrong output: no timing warning for it
printf 'read x || true\necho no\n' >"$E/wrong/bad/prog.sh"

expect_status 0 "$GRADER" check "$E"
contains "$T/out" "check 'sleepy': wall "
contains "$T/out" "check 'burner': wall "
grep -Eq "check 'burner': wall [0-9.]+ (ms|s), cpu [0-9.]+ (ms|s), peak [0-9.]+ MiB" "$T/out" ||
	fail "no cpu and peak figures for 'burner'"
grep -Eq "warning: check 'sleepy': wall limit 1.2 s is [12]\.[0-9]x the reference's [0-9.]+ (ms|s): a slower machine may fail correct solutions; raise it to at least" "$T/err" ||
	fail "no warning about sleepy's wall limit"
grep -Eq "warning: check 'burner': cpu limit 1 s is [12]\.[0-9]x the reference's" "$T/err" ||
	fail "no warning about burner's cpu limit"
lacks "$T/err" "check 'burner': wall limit"
contains "$T/err" "warning: wrong/slow fails only by timing out: on a faster machine it may pass"
lacks "$T/err" "wrong/bad fails only"
contains "$T/out" "ok: 0 rules broken"

# generous limits: no warning
sed -i 's/wall: 1.2s/wall: 4s/; s/cpu: 1s, wall: 8s/cpu: 6s, wall: 8s/' "$E/exercise.yaml"
printf 'read x || true\n[ "$x" = burn ] || sleep 6\necho ok\n' >"$E/wrong/slow/prog.sh"
expect_status 0 "$GRADER" check --repeat 2 "$E"
lacks "$T/err" "limit"
contains "$T/out" "(median of 2 runs; min "

# ---- a flaky reference ----
F="$T/flaky"
mkdir -p "$F/solution" "$F/wrong/empty"
cat >"$F/exercise.yaml" <<'Y'
id: t/flaky
title: Flaky
kind: io
files: [prog.sh]
run: [sh, prog.sh]
checks:
  - name: steady
    stdin: ""
    expect: { stdout: "" }
  - name: coin
    stdin: "coin\n"
    expect: { stdout: "heads\n" }
Y
# heads or tails by a byte of /dev/urandom: 16 runs are all alike once
# in 32768
cat >"$F/solution/prog.sh" <<'S'
read x || exit 0
b=$(od -An -N1 -tu1 /dev/urandom)
if [ "$b" -lt 128 ]; then echo heads; else echo tails; fi
S
printf 'exit 0\n' >"$F/wrong/empty/prog.sh"
expect_status 1 "$GRADER" check --repeat 16 "$F"
grep -Eq "check 'coin' is flaky: passed ([1-9]|1[0-5]) of 16 runs" "$T/out" || fail "coin is not reported flaky"
lacks "$T/out" "check 'steady' is flaky"
contains "$T/out" "FLAKY"
contains "$T/out" "1 flaky check"
expect_status 2 "$GRADER" check --repeat 0 "$F"
contains "$T/err" "--repeat takes a number of runs from 1 to 1000"
# a reference without full marks in every run is not calibrated
expect_status 1 "$GRADER" check --calibrate --repeat 16 "$F"
contains "$T/err" "t/flaky not calibrated: its reference scored full marks in"
[ ! -e "$F/calibration.json" ] || fail "a flaky reference was calibrated"

# ---- limits relative to the reference ----
R="$T/rel"
mkdir -p "$R/solution" "$R/wrong/slow"
cat >"$R/exercise.yaml" <<'Y'
id: t/rel
title: Relative limits
kind: io
files: [prog.sh]
limits: { wall: 4x reference }
run: [sh, prog.sh]
checks:
  - name: sleepy
    stdin: ""
    expect: { stdout: "ok\n" }
Y
printf 'sleep 0.3\necho ok\n' >"$R/solution/prog.sh"
# 6 s: within the default 10 s, far from 4x the reference's 0.3 s
printf 'sleep 6\necho ok\n' >"$R/wrong/slow/prog.sh"
expect_status 2 "$GRADER" lint "$R"
contains "$T/err" "exercise.yaml:5:17: error: a limit relative to the reference needs the reference's figures, and the exercise has no calibration.json: run 'grader check --calibrate"
expect_status 2 "$GRADER" check "$R"
contains "$T/err" "run 'grader check --calibrate"

expect_status 0 "$GRADER" check --calibrate --repeat 2 "$R"
contains "$T/out" "calibrating t/rel: 2 runs of solution/ (it has no calibration yet)"
contains "$T/out" "calibrated: "
[ -f "$R/calibration.json" ] || fail "no calibration.json written"
/usr/bin/python3 - "$R/calibration.json" <<'P' || fail "calibration.json is not what it should be"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["calibration"] == 1 and c["exercise"] == "t/rel" and c["runs"] == 2, c
assert c["figure"] == "max" and c["digest"].startswith("sha256:"), c
assert c["reference"].startswith("sha256:") and c["reference"] != c["digest"], c
[k] = c["checks"]
assert k["name"] == "sleepy" and 300 <= k["wall_ms"] < 2500, k
assert "cpu_ms" in k and "peak_kib" in k, k
P
# the known-wrong solution fails, under the calibrated limit, by timing out
grep -Eq "t/rel +wrong/slow +0/1 +not full +ok" "$T/out" || fail "wrong/slow is not caught by the relative limit"
contains "$T/err" "wrong/slow fails only by timing out"
expect_status 0 "$GRADER" lint "$R"
expect_status 0 "$GRADER" check "$R"
mkdir -p "$T/learner/t/rel"
cp "$R/wrong/slow/prog.sh" "$T/learner/t/rel/"
expect_status 1 "$GRADER" grade --course "$R" --format json -q "$T/learner"
json_is "$T/out" "r['exercises'][0]['checks'][0]['verdict']" "wall-timeout"

lacks "$T/err" "measured another solution/"
# a reference changed since the calibration: a warning (solution/ is not
# part of the exercise's digest, so loading does not refuse it)
echo "# faster now" >>"$R/solution/prog.sh"
expect_status 0 "$GRADER" check "$R"
contains "$T/err" "calibration.json measured another solution/ than this one: the limits written as 'Nx reference' may no longer fit it; run 'grader check --calibrate"

# any change to the exercise makes the calibration stale
echo "# changed" >>"$R/exercise.yaml"
expect_status 2 "$GRADER" lint "$R"
contains "$T/err" "calibration.json:4:"
contains "$T/err" "stale calibration: it measured another version of the exercise"
contains "$T/err" "run 'grader check --calibrate"
# a mangled calibration is an error at its position, and --calibrate
# writes it anew
sed -i 's/"runs":\t2/"runs":\t"two"/' "$R/calibration.json"
expect_status 2 "$GRADER" lint "$R"
line=$(grep -n '"runs"' "$R/calibration.json" | cut -d: -f1)
grep -Eq "calibration.json:$line:[0-9]+: error: 'runs'" "$T/err" || fail "no positioned error for 'runs'"
expect_status 0 "$GRADER" check --calibrate "$R"
contains "$T/out" "(its calibration is unreadable)"
expect_status 0 "$GRADER" lint "$R"
