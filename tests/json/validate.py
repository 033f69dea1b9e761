#!/usr/bin/env python3
"""Validates confine's JSON reports against their published schema (docs/scan.schema.json,
docs/check.schema.json): the schema is chosen by the document's own "$schema", which must be
the "$id" of one of them.

Usage: validate.py FILE...   prints one line per problem ("FILE: PATH: message");
exit status 0 when every file is valid, 1 when one is not, 2 when a file is not JSON.
Needs jsonschema (Debian package python3-jsonschema).
"""
import json
import os
import sys

import jsonschema

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
SCHEMAS = {}
for name in ("scan.schema.json", "check.schema.json"):
    with open(os.path.join(DOCS, name), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    SCHEMAS[schema["$id"]] = jsonschema.Draft202012Validator(schema)


def problems(doc):
    validator = SCHEMAS.get(doc.get("$schema") if isinstance(doc, dict) else None)
    if validator is None:
        yield "$schema", "names no published schema: %r" % (doc.get("$schema") if isinstance(doc, dict) else None)
        return
    for e in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        yield "/".join(str(p) for p in e.absolute_path) or "(root)", e.message


def main(paths):
    status = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: not JSON: %s" % (path, e))
            return 2
        for where, message in problems(doc):
            print("%s: %s: %s" % (path, where, message))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
