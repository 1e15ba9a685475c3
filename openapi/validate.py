#!/usr/bin/env python3
"""Checks the spec with tools independent of our Rust code.

1. openapi-spec-validator: the spec (the whole API, imported from Persona's bundle with our
   overlays by `cargo xtask import`) is valid OpenAPI 3.0.
2. openapi-schema-validator (OAS 3.0 dialect): for the operations the client covers (those
   tests/fixtures/persona-2023-01-05.json has), every example in the spec, the getting-started
   guide's request, response and error, and Persona's own examples (both from tests/fixtures/)
   are valid against the schema the operation declares, but the few of Persona's that cannot
   be a valid answer (KNOWN_WRONG, each with its reason).

Exits non-zero, naming each failure. Needs `pip install -r openapi/requirements.txt`.
"""

import json
import pathlib
import sys

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The whole API, imported from Persona's bundle by `cargo xtask import` (its JSON form of YAML).
SPEC_PATH = ROOT / "openapi" / "persona.yaml"
# Data from the reference material, checked in by `cargo xtask fixtures --from <reference>`.
FIXTURES = ROOT / "tests" / "fixtures"
METHODS = ("get", "post", "patch", "delete")


# Persona's examples that cannot be a valid answer, each with the reason; any other invalid
# example fails, and so does an entry here that matches none.
KNOWN_WRONG = {
    ("createGraphQuery", "Created", "/data/attributes/created-at"): "a day of one digit (2023-09-1), not RFC 3339",
    ("retrieveGraphQuery", "Success", "/data/attributes/created-at"): "a day of one digit, not RFC 3339",
    ("retrieveGraphQuery", "Success", "/data/attributes/updated-at"): "a day of one digit, not RFC 3339",
    ("retrieveGraphQuery", "Success", "/data/attributes/completed-at"): "a day of one digit, not RFC 3339",
}


def load_spec():
    return yaml.load(SPEC_PATH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_nullable_unions(node):
    """`nullable: true` beside `oneOf`/`anyOf` means "null, or one of them" in our spec (the
    import writes a 3.1 union with a null member so); the validator applies the union to null
    too, so it reads such a schema as that choice."""
    if isinstance(node, list):
        return [read_nullable_unions(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: read_nullable_unions(value) for key, value in node.items()}
    for union in ("oneOf", "anyOf"):
        if node.get("nullable") is True and union in node:
            rest = {key: value for key, value in node.items() if key not in (union, "nullable", "type")}
            null = {"type": "object", "nullable": True, "enum": [None]}
            return dict(rest, anyOf=[{union: node[union]}, null])
    return node


def resolve(document, node):
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def validator_for(spec, schema):
    # Wrapping the schema with the components lets `#/components/...` refs resolve.
    root = dict(schema, components=spec["components"])
    return OAS30Validator(root, format_checker=oas30_format_checker)


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def json_schema(spec, holder):
    """The schema of the application/json content of a request body or response, if any."""
    content = resolve(spec, holder).get("content", {}).get("application/json")
    return content["schema"] if content else None


def examples_of(document, holder):
    content = resolve(document, holder).get("content", {}).get("application/json", {})
    found = [(name, resolve(document, example)["value"]) for name, example in (content.get("examples") or {}).items()]
    if "example" in content:
        found.append(("example", content["example"]))
    return found


def persona_operations():
    """Persona's operations in our scope, by (method, path), with their examples."""
    document = json.loads((FIXTURES / "persona-2023-01-05.json").read_text())
    return {(op["method"].lower(), op["path"]): op for op in document["operations"]}


def main():
    spec = load_spec()
    validate(spec)
    print(f"{SPEC_PATH.relative_to(ROOT)}: valid OpenAPI {spec['openapi']}")
    spec = read_nullable_unions(spec)

    persona = persona_operations()
    failures, checked = [], 0
    known_seen = set()

    def check(label, schema, value, known=None):
        nonlocal checked
        checked += 1
        for error in validator_for(spec, schema).iter_errors(value):
            at = "/" + "/".join(map(str, error.absolute_path))
            if known and (known + (at,)) in KNOWN_WRONG:
                known_seen.add(known + (at,))
                continue
            failures.append(f"{label}: at {at}: {error.message}")

    for path, method, operation in operations(spec):
        if (method, path) not in persona:
            continue
        op_id = operation["operationId"]
        request_schema = json_schema(spec, operation["requestBody"]) if "requestBody" in operation else None
        success = next(r for code, r in operation["responses"].items() if code.startswith("2"))
        response_schema = json_schema(spec, success)
        if request_schema and "requestBody" in operation:
            for name, value in examples_of(spec, operation["requestBody"]):
                check(f"our {op_id} request example '{name}'", request_schema, value)
        if response_schema:
            for code, response in operation["responses"].items():
                if code.startswith("2"):
                    for name, value in examples_of(spec, response):
                        check(f"our {op_id} response example '{name}'", response_schema, value, (op_id, name))
        theirs = persona[(method, path)]
        if request_schema:
            for name, value in theirs["request_examples"].items():
                check(f"Persona's {op_id} request example '{name}'", request_schema, value)
        if response_schema:
            for examples in theirs["response_examples"].values():
                for name, value in examples.items():
                    check(f"Persona's {op_id} response example '{name}'", response_schema, value, (op_id, name))
        for code, response in operation["responses"].items():
            if not code.startswith("2"):
                for name, value in examples_of(spec, response):
                    check(f"our {op_id} {code} example '{name}'", json_schema(spec, response), value)

    guide = json.loads((FIXTURES / "guide.json").read_text())
    request, response, error = guide["request"], guide["response"], guide["error"]
    check("seed request", {"$ref": "#/components/schemas/CreateInquiryRequest"}, request)
    check("seed response", {"$ref": "#/components/schemas/InquiryCreated"}, response)
    check("seed error", {"$ref": "#/components/schemas/ErrorBody"}, error)

    for key in sorted(set(KNOWN_WRONG) - known_seen):
        failures.append(f"KNOWN_WRONG lists {key}, which is valid now or gone: remove it")
    for failure in failures:
        print(f"INVALID {failure}")
    print(f"examples: {checked} checked, {len(failures)} invalid, {len(known_seen)} known wrong in Persona's bundle")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
