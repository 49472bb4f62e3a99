# `grader report`: a stored JSON report written again in another format
# and for another audience, without grading again; and what it says of a
# file that is not a grader report.
. "$(dirname "$0")/lib.sh"
C="$T/course"
mkdir -p "$C/python"
cp -R "$ROOT/exercises/python/fizzbuzz" "$ROOT/exercises/python/cart" "$C/python/"
printf 'title: R\nexercises:\n  - { path: python/fizzbuzz }\n  - { path: python/cart }\n' >"$C/course.yaml"
# Hints for two checks the learner below fails, one of them hidden.
python3 - "$C/python/cart/exercise.yaml" <<'P'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("  - name: add_to_cart takes from the inventory\n",
              "  - name: add_to_cart takes from the inventory\n    hint: subtract the quantity from inventory_count\n")
s = s.replace("  - name: edge cases\n", "  - name: edge cases\n    hint: SECRET-HINT\n")
open(p, "w").write(s)
P
grep -q "hint: subtract" "$C/python/cart/exercise.yaml" || fail "the hint was not planted"
mkdir -p "$T/sub/python/fizzbuzz" "$T/sub/python/cart"
cp "$ROOT/exercises/python/fizzbuzz/solution/"* "$T/sub/python/fizzbuzz/"
cp "$ROOT/exercises/python/cart/wrong/inventory-ignored/cart.py" "$T/sub/python/cart/"
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/i.json" "$T/sub"
expect_status 1 "$GRADER" grade --course "$C" --format text --no-color --output "$T/direct.txt" "$T/sub"

# A failed check shows its hint; a hidden one's stays with the instructor.
contains "$T/direct.txt" "hint: subtract the quantity from inventory_count"
lacks "$T/direct.txt" "SECRET-HINT"
contains "$T/i.json" "SECRET-HINT"
expect_status 1 "$GRADER" grade --course "$C" --output "$T/l.json" "$T/sub"
contains "$T/l.json" "subtract the quantity"
lacks "$T/l.json" "SECRET-HINT"
# ... and an empty one is a mistake lint reports.
sed -i 's/hint: SECRET-HINT/hint: ""/' "$C/python/cart/exercise.yaml"
expect_status 2 "$GRADER" lint "$C"
contains "$T/err" "'hint' is empty"
sed -i 's/hint: ""/hint: SECRET-HINT/' "$C/python/cart/exercise.yaml"

# The instructor's JSON, read back and written as JSON, is the same report.
expect_status 1 "$GRADER" report --format json --audience instructor --output "$T/i2.json" "$T/i.json"
python3 - "$T/i.json" "$T/i2.json" <<'P' || fail "the JSON report does not read back the same"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(a != b)
P
valid_report "$T/i2.json"
# Every external format, for both audiences, from the stored report (each
# validated against its published schema with the others: run.sh).
for a in learner instructor; do
	for f in junit gradescope exercism; do
		expect_status 1 "$GRADER" report --format "$f" --audience "$a" "$T/i.json"
		[ -s "$T/out" ] || fail "report --format $f --audience $a wrote nothing"
	done
done

# Text for a learner, from the instructor's report: the same text a
# learner's grading prints, hidden tests' names left out.
# The re-run command names the course it is given (else COURSE) and the
# folder ".", where the direct grading names the folder it graded.
expect_status 1 "$GRADER" report --no-color --course "$C" --output "$T/l.txt" "$T/i.json"
contains "$T/direct.txt" "re-run:   grader grade --course $C --exercise python/cart --check"
# (object addresses and timings differ between runs)
norm='s/0x[0-9a-f]*/0x/g; s/ *([0-9.]* s)$//'
sed "$norm" "$T/l.txt" >"$T/a" && sed "$norm; s| -f text $T/sub\$| -f text .|" "$T/direct.txt" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "the learner's text differs from a direct grading: $(diff "$T/a" "$T/b")"
lacks "$T/l.txt" "test_cart_hidden"
expect_status 1 "$GRADER" report --no-color --output "$T/l2.txt" "$T/i.json"
contains "$T/l2.txt" "re-run:   grader grade --course COURSE --exercise python/cart --check"
lacks "$T/l.txt" "SECRET-HINT"
contains "$T/l.txt" "hidden check: its details are shown to instructors only"
expect_status 1 "$GRADER" report --no-color --audience instructor --output "$T/i.txt" "$T/i.json"
contains "$T/i.txt" "test_cart_hidden.py::test_adding_twice_accumulates failed"

# Markdown and JUnit, from standard input.
expect_status 1 sh -c "\"$GRADER\" report --format markdown - <\"$T/i.json\""
contains "$T/out" "## Grade: "
contains "$T/out" "| ✅ | n = 15 | 3/3 | passed |"
expect_status 1 sh -c "\"$GRADER\" report --format junit - <\"$T/i.json\""
contains "$T/out" "<testsuites"
lacks "$T/out" "test_cart_hidden"

# A passing report exits 0.
python3 - "$T/i.json" "$T/pass.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
r["exercises"] = r["exercises"][:1]
r["status"], r["score"], r["max_score"] = "passed", 10, 10
json.dump(r, open(sys.argv[2], "w"))
P
expect_status 0 "$GRADER" report --no-color "$T/pass.json"
contains "$T/out" "Score: 10/10"

# Not a report: each says where and what.
printf '{\n  "schema": "grader.report/1",\n  "status": passed\n}\n' >"$T/bad1.json"
expect_status 2 "$GRADER" report "$T/bad1.json"
contains "$T/err" "bad1.json:3:13: not valid JSON"
printf '{"schema": "other/2"}' >"$T/bad2.json"
expect_status 2 "$GRADER" report "$T/bad2.json"
contains "$T/err" "bad2.json: \$: not a grader report (its \"schema\" must be \"grader.report/1\")"
python3 - "$T/i.json" "$T/bad3.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
r["exercises"][1]["checks"][2]["status"] = "fine"
json.dump(r, open(sys.argv[2], "w"))
P
expect_status 2 "$GRADER" report "$T/bad3.json"
contains "$T/err" "\$.exercises[1].checks[2].status: expected one of passed, failed, error, skipped"
expect_status 2 "$GRADER" report "$T/missing.json"
contains "$T/err" "missing.json: No such file or directory"
expect_status 2 "$GRADER" report --format jsn "$T/i.json"
contains "$T/err" "grader report: unknown format 'jsn' (did you mean 'json'? the formats: "
echo "report e2e ok"
