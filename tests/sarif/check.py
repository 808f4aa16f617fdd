"""Validates SARIF files against the SARIF 2.1.0 JSON schema (the draft it declares).

Usage: check.py SCHEMA FILE...; prints every violation and exits 1 if there is one.
"""

import json
import sys

import jsonschema


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    failures = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        for error in validator.iter_errors(document):
            failures += 1
            where = "/".join(str(part) for part in error.absolute_path)
            print(f"{path}: {where}: {error.message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
