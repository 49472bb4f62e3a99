#!/bin/sh
# pytest.sh - the pytest kind's speed: `grader grade` of a 10-test pytest
# exercise (one check per test) against bare `/usr/bin/python3 -m pytest`
# on the same files in one process, medians and ratios; once with every
# test visible (one pytest run in the sandbox) and once with 3 of the 10
# hidden (a second, separate run, side by side with the first). Also what
# starting the interpreter and importing pytest costs alone: the most a
# pre-started interpreter could save per run. Medians over BENCH_RUNS
# (default 15). Never fails on a timing.
set -u
: "${GRADER:?GRADER must name the grader binary}" "${ROOT:?ROOT must name the source tree}"
runs=${BENCH_RUNS:-15}
[ "$runs" -gt 30 ] && runs=30
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
if ! $PY -c 'import pytest' 2>/dev/null; then
	echo "pytest: $PY has no pytest (apt-get install python3-pytest); skipped"
	exit 0
fi

# tests FILE FIRST LAST: test functions FIRST..LAST of the inventory module.
tests() {
	{
		echo "from inventory import Inventory"
		i=$2
		while [ "$i" -le "$3" ]; do
			cat <<EOF

def test_$i():
    inv = Inventory()
    for k in range($i * 10):
        inv.add("item%d" % (k % 7), k)
    assert inv.count("item0") == sum(k for k in range($i * 10) if k % 7 == 0)
    assert sorted(inv.names()) == sorted({"item%d" % (k % 7) for k in range($i * 10)})
EOF
			i=$((i + 1))
		done
	} >"$1"
}

# course DIR HIDDEN: the exercise in DIR, the last HIDDEN tests in a hidden
# file of their own; DIR/sub is the learner's submission, DIR/bare the
# same files for the bare run.
course() {
	d="$1/b/inv"
	mkdir -p "$d/tests" "$d/solution" "$1/sub/b/inv" "$1/bare/tests"
	cat >"$d/solution/inventory.py" <<'EOF'
class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, n):
        self.items[name] = self.items.get(name, 0) + n

    def count(self, name):
        return self.items.get(name, 0)

    def names(self):
        return list(self.items)
EOF
	cp "$d/solution/inventory.py" "$1/sub/b/inv/"
	cp "$d/solution/inventory.py" "$1/bare/"
	vis=$((10 - $2))
	tests "$d/tests/test_inv.py" 1 "$vis"
	files="tests/test_inv.py"
	if [ "$2" -gt 0 ]; then
		tests "$d/tests/test_inv_hidden.py" $((vis + 1)) 10
		files="$files, tests/test_inv_hidden.py"
	fi
	cp "$d"/tests/*.py "$1/bare/tests/"
	{
		printf 'id: b/inv\ntitle: Bench\nkind: pytest\nfiles: [inventory.py]\n'
		printf 'limits: { wall: 20s, cpu: 10s, memory: 256MiB }\ntests: [%s]\nchecks:\n' "$files"
		i=1
		while [ "$i" -le 10 ]; do
			if [ "$i" -le "$vis" ]; then
				printf '  - { name: t%d, tests: ["tests/test_inv.py::test_%d"] }\n' "$i" "$i"
			else
				printf '  - { name: t%d, visibility: hidden, tests: ["tests/test_inv_hidden.py::test_%d"] }\n' "$i" "$i"
			fi
			i=$((i + 1))
		done
	} >"$d/exercise.yaml"
	printf 'title: B\nexercises:\n  - { path: b/inv }\n' >"$1/course.yaml"
}

course "$T/vis" 0
course "$T/hid" 3
"$GRADER" grade -q --course "$T/hid" --output "$T/r.json" "$T/hid/sub"
if ! $PY -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(r["score"] != 10)' "$T/r.json"; then
	echo "pytest: the benchmark's exercise did not score 10 of 10; see $T/r.json" >&2
	trap - EXIT
	exit 1
fi
# Every command runs once per round, the rounds interleaved, so a load that
# comes and goes weighs on all of them alike.
$PY - "$runs" "$T" "$GRADER" <<'EOF'
import os, subprocess, sys, time
runs, T, grader = int(sys.argv[1]), sys.argv[2], sys.argv[3]
PY = "/usr/bin/python3"
bare = [PY, "-B", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir=.", "tests"]
cmds = {
    "vb": (T + "/vis/bare", bare),
    "sb": (T + "/vis/bare", [grader, "sandbox", "--workdir", T + "/vis/bare",
           "--env", "PATH=/usr/bin:/bin", "--env", "HOME=/work",
           "--env", "PYTHONDONTWRITEBYTECODE=1", "--env", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
           "--", PY, "-B", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir=/work", "tests"]),
    "vg": (T, [grader, "grade", "-q", "--course", T + "/vis", "--output", T + "/r.json", T + "/vis/sub"]),
    "hb": (T + "/hid/bare", bare),
    "hg": (T, [grader, "grade", "-q", "--course", T + "/hid", "--output", T + "/r.json", T + "/hid/sub"]),
    "st": (T, [PY, "-B", "-c", "import pytest, _pytest.python, _pytest.runner"]),
}
env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
ts = {k: [] for k in cmds}
for _ in range(runs):
    for k, (cwd, cmd) in cmds.items():
        t = time.perf_counter()
        r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts[k].append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            sys.exit("pytest: %s exited %d" % (" ".join(cmd), r.returncode))
m = {k: sorted(v)[len(v) // 2] for k, v in ts.items()}
r = lambda a, b: a / b if b > 0 else float("nan")
print("medians of %d interleaved runs; a 10-test exercise, one check per test" % runs)
print("bare python3 -m pytest, 10 tests          %8.1f ms" % m["vb"])
print("the same in grader sandbox                %8.1f ms   %.2fx bare" % (m["sb"], r(m["sb"], m["vb"])))
print("grader grade, 10 visible tests            %8.1f ms   %.2fx bare (target 1.2x)" % (m["vg"], r(m["vg"], m["vb"])))
print("bare, 7 + 3 tests in two files            %8.1f ms" % m["hb"])
print("grader grade, 7 visible + 3 hidden tests  %8.1f ms   %.2fx bare (target 1.5x)" % (m["hg"], r(m["hg"], m["hb"])))
print("python3 + import pytest alone             %8.1f ms   %.0f%% of the bare run" % (m["st"], 100 * r(m["st"], m["vb"])))
EOF
