"""Validates what the gateway writes in OpenAI's shapes.

Two sets of schemas: the project's own (contracts/openai-objects.json, always checked — a clone
of the repository with nothing beside it included) and OpenAI's published OpenAPI description
(../shared/contracts/openai-openapi.yaml), checked too wherever it exists. Where it doesn't, the
test session says so in its header (conftest.py) — a skip that is loud, never silent.
"""
import json
from functools import lru_cache
from pathlib import Path

import yaml
from openapi_schema_validator import OAS31Validator

OWN = Path(__file__).resolve().parent / "contracts/openai-objects.json"
SPEC = Path(__file__).resolve().parents[3] / "shared/contracts/openai-openapi.yaml"


def published_spec_available():
    return SPEC.is_file()


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
def published_components():
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open() as handle:
        return _nullable_to_31(yaml.load(handle, Loader=loader)["components"])


@lru_cache(maxsize=1)
def own_components():
    return json.loads(OWN.read_text())["components"]


def validate(instance, schema_name):
    """Raises jsonschema.ValidationError when `instance` doesn't match components/schemas/<schema_name>:
    the project's schema always, OpenAI's published one too where it is available and names it (OpenAI
    publishes no schema for a legacy completions stream chunk: CreateCompletionStreamResponse is ours)."""
    sources = [own_components()]
    if published_spec_available() and schema_name in published_components()["schemas"]:
        sources.append(published_components())
    for components in sources:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
        OAS31Validator(schema).validate(instance)
