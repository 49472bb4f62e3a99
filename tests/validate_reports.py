#!/usr/bin/python3
"""validate_reports.py [--require FORMATS] DIR - validates every report kept
in DIR (by tests/e2e/keep-reports.sh: FILE.FORMAT, with FILE.FORMAT.cmd
naming the test and the command that wrote it) against the schema of its
format, in this one process:

  json        docs/report.schema.json and validate_report.py's invariants
  junit       tests/schemas/junit.xsd (ours, after Jenkins' junit-10.xsd), with
              xmllint, and the counts agree with the test cases
  gradescope  tests/schemas/gradescope-results.schema.json, and the total
              is the sum of the tests' scores
  exercism    tests/schemas/exercism-results.schema.json, test_code in
              every test and the status rolled up from the tests

--require json,junit,... fails unless at least one report of each of
those formats was validated, so a run cannot pass by validating nothing.
Prints a line per problem naming the file, the test and the command, a
summary line per format, and exits 1 if anything is wrong."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import validate_report  # noqa: E402  (the JSON report's invariants: one place)

SCHEMAS = os.path.join(HERE, "schemas")
FORMATS = ("json", "junit", "gradescope", "exercism")


def load_validator(path):
    with open(path, encoding="utf-8") as f:
        return jsonschema.Draft202012Validator(json.load(f))


def schema_errors(validator, doc):
    out = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in e.path) or "(top)"
        out.append(f"{where}: {e.message}")
    return out


def gradescope_invariants(r):
    problems = []
    tests = r.get("tests", [])
    if "score" in r and tests:
        s = sum(t.get("score", 0) for t in tests)
        if abs(s - r["score"]) > 1e-6:
            problems.append(f"score {r['score']} but the tests add up to {s}")
    for t in tests:
        if "max_score" in t and t.get("score", 0) > t["max_score"] + 1e-9:
            problems.append(f"{t.get('name')}: score over max_score")
        if t.get("status") == "passed" and "max_score" in t and \
                abs(t.get("score", 0) - t["max_score"]) > 1e-9:
            problems.append(f"{t.get('name')}: passed without full points")
    return problems


def exercism_invariants(r):
    problems = []
    statuses = [t["status"] for t in r["tests"]]
    for t in r["tests"]:
        if "test_code" not in t:
            problems.append(f"{t['name']}: no test_code (grader always writes one)")
        if t["status"] != "pass" and not t.get("message"):
            problems.append(f"{t['name']}: status {t['status']} without a message")
    if r["status"] == "pass" and any(s != "pass" for s in statuses):
        problems.append("status pass but not every test passed")
    if r["status"] == "fail" and statuses and all(s == "pass" for s in statuses):
        problems.append("status fail but every test passed")
    if r["status"] == "error" and any(s == "pass" for s in statuses):
        problems.append("status error (nothing could run) but a test passed")
    return problems


def junit_invariants(path):
    problems = []
    root = ET.parse(path).getroot()
    suites = root.findall("testsuite")
    total = {"tests": 0, "failures": 0, "errors": 0}
    for s in suites:
        cases = s.findall("testcase")
        got = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for k, v in got.items():
            if s.get(k) is not None and int(s.get(k)) != v:
                problems.append(f"testsuite {s.get('name')}: {k}={s.get(k)} but {v} test cases say so")
        for k in total:
            total[k] += got[k]
    for k, v in total.items():
        if root.get(k) is not None and int(root.get(k)) != v:
            problems.append(f"testsuites: {k}={root.get(k)} but the suites add up to {v}")
    return problems


def xmllint(paths):
    """Validates every path with one xmllint run; returns {path: [problems]}."""
    if not paths:
        return {}
    xsd = os.path.join(SCHEMAS, "junit.xsd")
    p = subprocess.run(["xmllint", "--noout", "--schema", xsd, *paths],
                       capture_output=True, text=True, check=False)
    lines = p.stderr.splitlines()
    out = {}
    for path in paths:
        if f"{path} validates" in lines:
            out[path] = []
            continue
        errs = [f"xmllint: {ln[len(path) + 1:].strip()}" for ln in lines if ln.startswith(path + ":")]
        out[path] = errs or [f"xmllint: does not validate against junit.xsd (exit {p.returncode})"]
    return out


def describe(path):
    try:
        with open(path + ".cmd", encoding="utf-8", errors="replace") as f:
            return f.read().strip().replace("\n", "; ")
    except OSError:
        return "(no .cmd file)"


def main(argv):
    require = []
    if len(argv) >= 2 and argv[0] == "--require":
        require = [f for f in argv[1].split(",") if f]
        argv = argv[2:]
    if len(argv) != 1 or not os.path.isdir(argv[0]):
        print("usage: validate_reports.py [--require json,junit,...] DIR", file=sys.stderr)
        return 2
    d = argv[0]
    kept = {f: [] for f in FORMATS}
    for name in sorted(os.listdir(d)):
        fmt = name.rsplit(".", 1)[-1]
        if fmt in kept:
            kept[fmt].append(os.path.join(d, name))
    problems = {}  # path -> [problem]
    with open(validate_report.SCHEMA, encoding="utf-8") as f:
        own = jsonschema.Draft202012Validator(json.load(f))
    validators = {
        "json": own,
        "gradescope": load_validator(os.path.join(SCHEMAS, "gradescope-results.schema.json")),
        "exercism": load_validator(os.path.join(SCHEMAS, "exercism-results.schema.json")),
    }
    checks = {
        "json": validate_report.invariants,
        "gradescope": gradescope_invariants,
        "exercism": exercism_invariants,
    }
    for fmt in ("json", "gradescope", "exercism"):
        for path in kept[fmt]:
            try:
                with open(path, encoding="utf-8") as f:
                    doc = json.load(f)
            except (OSError, UnicodeDecodeError, ValueError) as e:
                problems[path] = [f"not a readable UTF-8 JSON document: {e}"]
                continue
            errs = schema_errors(validators[fmt], doc)
            problems[path] = errs or checks[fmt](doc)
    problems.update(xmllint(kept["junit"]))
    for path in kept["junit"]:
        if not problems.get(path):
            try:
                problems[path] = junit_invariants(path)
            except ET.ParseError as e:
                problems[path] = [f"not well-formed XML: {e}"]
    bad = 0
    for path in sorted(problems):
        if problems[path]:
            bad += 1
            print(f"{path}: from {describe(path)}", file=sys.stderr)
            for p in problems[path]:
                print(f"{path}: {p}", file=sys.stderr)
    for fmt in FORMATS:
        n = len(kept[fmt])
        nbad = sum(1 for p in kept[fmt] if problems.get(p))
        print(f"{fmt}: {n} report{'s' if n != 1 else ''} validated, {nbad} invalid")
    missing = [f for f in require if not kept.get(f)]
    for f in missing:
        print(f"no {f} report was produced: nothing validated its format", file=sys.stderr)
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
