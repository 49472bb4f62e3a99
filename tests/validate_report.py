#!/usr/bin/env python3
"""validate_report.py FILE... - checks grader JSON reports against
docs/report.schema.json, and the invariants a schema cannot say: a
learner report never carries the details of a hidden check, and totals
add up. Prints every problem and exits 1 if there is any."""
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "docs", "report.schema.json")
DETAILS = ("input", "expected", "diff", "resources", "verdict")


def rollup(statuses, error=False):
    """The status of a whole from its parts' statuses (docs/report-format.md)."""
    if error or "error" in statuses:
        return "error"
    return "passed" if all(s == "passed" for s in statuses) else "failed"


def invariants(r):
    problems = []
    total = 0.0
    want = rollup([ex["status"] for ex in r["exercises"]])
    if r["status"] != want:
        problems.append(f"status {r['status']} but the exercises make it {want}")
    for ex in r["exercises"]:
        want = rollup([c["status"] for c in ex["checks"]], "error" in ex)
        if ex["status"] != want:
            problems.append(f"{ex['id']}: status {ex['status']} but its checks make it {want}")
        s = sum(c["score"] for c in ex["checks"])
        if abs(s - ex["score"]) > 1e-6:
            problems.append(f"{ex['id']}: score {ex['score']} but checks add up to {s}")
        m = sum(c["max_score"] for c in ex["checks"])
        if abs(m - ex["max_score"]) > 1e-6:
            problems.append(f"{ex['id']}: max_score {ex['max_score']} but checks add up to {m}")
        total += ex["score"]
        for c in ex["checks"]:
            if c["score"] > c["max_score"] + 1e-9:
                problems.append(f"{ex['id']}/{c['name']}: score over max_score")
            if c["status"] == "passed" and abs(c["score"] - c["max_score"]) > 1e-9:
                problems.append(f"{ex['id']}/{c['name']}: passed without full points")
            if c["status"] in ("error", "skipped") and c["score"] != 0:
                problems.append(f"{ex['id']}/{c['name']}: {c['status']} but scored")
            if r["audience"] == "learner" and c["hidden"]:
                leaked = [k for k in DETAILS if k in c]
                if leaked:
                    problems.append(f"{ex['id']}/{c['name']}: hidden check shows {leaked}")
    if abs(total - r["score"]) > 1e-6:
        problems.append(f"score {r['score']} but exercises add up to {total}")
    return problems


def main(paths):
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            print(f"{path}: not a readable UTF-8 JSON document: {e}", file=sys.stderr)
            bad += 1
            continue
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
        for e in errors:
            where = "/".join(str(p) for p in e.path) or "(top)"
            print(f"{path}: {where}: {e.message}", file=sys.stderr)
        problems = [] if errors else invariants(report)
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        bad += len(errors) + len(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: validate_report.py FILE...", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
