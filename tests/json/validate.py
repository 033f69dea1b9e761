#!/usr/bin/env python3
"""Validates confine's JSON outputs against the schema their own "$schema" names:
- confine's reports against their published schemas (docs/scan.schema.json,
  docs/check.schema.json), whose "$id" they name;
- SARIF logs against the official SARIF 2.1.0 schema (tests/sarif/sarif-schema-2.1.0.json, from
  oasis-tcs/sarif-spec, Schemata/), then against what GitHub code scanning needs on top of it
  (rules with id, descriptions and help; results with ruleId, message.text, a relative
  artifactLocation.uri with region.startLine, partialFingerprints; the security-severity
  property as a string holding a number from 0 to 10).

A FILE named *.jsonl is JSON Lines (scan --format jsonl): each line a module of the scan schema,
or {"error": "FILE: reason"}.

Usage: validate.py FILE...   prints one line per problem ("FILE: PATH: message");
exit status 0 when every file is valid, 1 when one is not, 2 when a file is not JSON (or none
is named). Needs jsonschema (Debian package python3-jsonschema).
"""
import json
import os
import re
import sys

import jsonschema

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DOCS = os.path.join(TESTS, "..", "docs")
SARIF_SCHEMA = os.path.join(TESTS, "sarif", "sarif-schema-2.1.0.json")
# What SARIF logs write as "$schema": the schema's own $id, or the SchemaStore copy's address.
SARIF_NAMES = ("https://json.schemastore.org/sarif-2.1.0.json",)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# A JSON Lines line: a module of the scan schema, or an unusable input.
LINE = "jsonl line"


def line_schema(scan):
    return {"$schema": scan["$schema"], "$defs": scan["$defs"],
            "if": {"type": "object", "required": ["error"]},
            "then": {"additionalProperties": False, "properties": {"error": {"type": "string"}}},
            "else": {"$ref": "#/$defs/module"}}


def validators():
    """$schema -> (validator, extra checks or None); LINE -> that of a JSON Lines line."""
    found = {}
    for name in ("scan.schema.json", "check.schema.json"):
        schema = load(os.path.join(DOCS, name))
        jsonschema.Draft202012Validator.check_schema(schema)
        found[schema["$id"]] = (jsonschema.Draft202012Validator(schema), None)
        if name == "scan.schema.json":
            found[LINE] = (jsonschema.Draft202012Validator(line_schema(schema)), None)
    # The SARIF schema declares draft 2020-12 and is used as published; check_schema() is not
    # called, since the published file has an "anyOf" inside the "properties" of "region" (an
    # upstream slip that a meta-schema check rejects, and that validation ignores).
    sarif = load(SARIF_SCHEMA)
    entry = (jsonschema.Draft202012Validator(sarif), code_scanning_problems)
    for name in (sarif["$id"],) + SARIF_NAMES:
        found[name] = entry
    return found


def schema_problems(validator, doc):
    for e in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        yield "/".join(str(p) for p in e.absolute_path) or "(root)", e.message


# --- GitHub code scanning, beyond the SARIF schema ---------------------------------------------

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


# --- the command --------------------------------------------------------------------------------

def problems(known, doc, name=None):
    """The schema's problems; when there are none, those of the extra checks. The schema is
    name's, or the one the document's "$schema" names."""
    name = name or (doc.get("$schema") if isinstance(doc, dict) else None)
    if name not in known:
        return [("$schema", "names no published schema: %r" % name)]
    validator, extra = known[name]
    found = list(schema_problems(validator, doc))
    if not found and extra:
        found = list(extra(doc))
    return found


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    known = validators()
    status = 0
    for path in paths:
        try:
            if path.endswith(".jsonl"):
                with open(path, encoding="utf-8") as f:
                    docs = [(str(n) + ":", json.loads(line), LINE) for n, line in enumerate(f, 1)]
            else:
                docs = [("", load(path), None)]
        except (OSError, ValueError) as e:
            print("%s: not JSON: %s" % (path, e))
            return 2
        for at, doc, name in docs:
            for where, message in problems(known, doc, name):
                print("%s:%s %s: %s" % (path, at, where, message))
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
