"""Validates what the gateway writes against OpenAI's published OpenAPI description (shared/contracts)."""
from functools import lru_cache
from pathlib import Path

import yaml
from openapi_schema_validator import OAS31Validator

SPEC = Path(__file__).resolve().parents[3] / "shared/contracts/openai-openapi.yaml"


def _nullable_to_31(node):
    """The description is OAS 3.1 but keeps 111 OAS 3.0 `nullable: true` marks, which a 3.1
    validator ignores; rewrite them in 3.1 terms so `null` is accepted exactly where the spec means it."""
    if isinstance(node, list):
        return [_nullable_to_31(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_to_31(value) for key, value in node.items()}
    if node.pop("nullable", False):
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
            if "enum" in node:
                node["enum"] = list(node["enum"]) + [None]
        elif isinstance(kind, list):
            node["type"] = kind + ["null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@lru_cache(maxsize=1)
def components():
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open() as handle:
        return _nullable_to_31(yaml.load(handle, Loader=loader)["components"])


def validate(instance, schema_name):
    """Raises jsonschema.ValidationError when `instance` doesn't match components/schemas/<schema_name>."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components()}
    OAS31Validator(schema).validate(instance)
