#!/usr/bin/env python3
"""Validates SARIF logs: against the official SARIF 2.1.0 JSON schema shipped beside this file
(sarif-schema-2.1.0.json, from oasis-tcs/sarif-spec, Schemata/), then against what GitHub code
scanning needs on top of the schema (rules with id, descriptions and help; results with ruleId,
message.text, a relative artifactLocation.uri with region.startLine, partialFingerprints; the
security-severity property as a string holding a number from 0 to 10).

Usage: validate.py FILE...   prints one line per problem ("FILE: PATH: message");
exit status 0 when every file is valid, 1 when one is not, 2 when a file is not JSON.
Needs jsonschema (Debian package python3-jsonschema).
"""
import json
import os
import re
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "sarif-schema-2.1.0.json"), encoding="utf-8") as f:
    SCHEMA = json.load(f)
# The schema declares draft 2020-12. It is used as published; check_schema() is not called, since
# the published file has an "anyOf" inside the "properties" of "region" (an upstream slip that
# a meta-schema check rejects, and that validation ignores).
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_problems(doc):
    for e in sorted(VALIDATOR.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        yield "/".join(str(p) for p in e.absolute_path) or "(root)", e.message


def severity_problem(props):
    value = (props or {}).get("security-severity")
    if value is None:
        return None
    if not isinstance(value, str):
        return "security-severity is not a string"
    try:
        number = float(value)
    except ValueError:
        return "security-severity %r is not a number" % value
    return None if 0.0 <= number <= 10.0 else "security-severity %r is not within 0-10" % value


def rule_problems(i, rule):
    where = "runs/0/tool/driver/rules/%d" % i
    for key in ("id", "shortDescription", "fullDescription", "help"):
        if key not in rule:
            yield where, "a code scanning rule needs %s" % key
    problem = severity_problem(rule.get("properties"))
    if problem:
        yield where, problem


def result_problems(i, result, rule_ids):
    where = "runs/0/results/%d" % i
    if result.get("ruleId") not in rule_ids:
        yield where, "ruleId %r names no rule of the driver" % result.get("ruleId")
    if not result.get("message", {}).get("text"):
        yield where, "no message.text"
    locations = result.get("locations") or [{}]
    physical = locations[0].get("physicalLocation", {})
    uri = physical.get("artifactLocation", {}).get("uri", "")
    if not uri or re.search(r"[\s\\]", uri) or uri.startswith("/"):
        yield where, "artifactLocation.uri %r is not a relative URI or a file:// URI" % uri
    if physical.get("region", {}).get("startLine", 0) < 1:
        yield where, "no region.startLine"
    if not result.get("partialFingerprints"):
        yield where, "no partialFingerprints"
    problem = severity_problem(result.get("properties"))
    if problem:
        yield where, problem


def code_scanning_problems(doc):
    for run in doc.get("runs") or []:
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        for i, rule in enumerate(rules):
            yield from rule_problems(i, rule)
        ids = {r.get("id") for r in rules}
        for i, result in enumerate(run.get("results") or []):
            yield from result_problems(i, result, ids)


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: not a JSON document: %s" % (path, e))
            return 2
        problems = list(schema_problems(doc))
        if not problems:
            problems = list(code_scanning_problems(doc))
        for where, message in problems:
            print("%s: %s: %s" % (path, where, message))
        status = 1 if problems else status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
