"""Meta's own OpenAPI description of the Cloud API (shared/meta-openapi), as a yardstick."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[2]
SPEC = (
    Path(os.environ.get("SPORTELLO_SHARED_DIR", REPO.parent / "shared"))
    / "meta-openapi"
    / "business-messaging-api_v23.0.yaml"
)


@cache
def _spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open("rb") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    return data


def _merge_all_of(node: Any, schemas: dict[str, Any]) -> Any:
    """Meta's schemas are `allOf: [base, {additionalProperties: false, …}]`; JSON Schema would
    then refuse the base's properties, OpenAPI tools merge the branches. So do we."""
    if isinstance(node, list):
        return [_merge_all_of(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _merge_all_of(value, schemas) for key, value in node.items()}
    if "allOf" not in node:
        return node
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    closed = False
    for part in node.pop("allOf"):
        while isinstance(part, dict) and "$ref" in part:
            part = _merge_all_of(schemas[part["$ref"].rsplit("/", 1)[1]], schemas)
        if not isinstance(part, dict):
            continue
        merged["properties"].update(part.get("properties", {}))
        merged["required"] += [r for r in part.get("required", []) if r not in merged["required"]]
        closed = closed or part.get("additionalProperties") is False
    if closed:
        merged["additionalProperties"] = False
    return {**node, **merged}


@cache
def _components() -> dict[str, Any]:
    schemas = _spec()["components"]["schemas"]
    return {
        **_spec()["components"],
        "schemas": {name: _merge_all_of(schema, schemas) for name, schema in schemas.items()},
    }


def validator(schema_name: str) -> Draft202012Validator:
    """A validator for `#/components/schemas/<schema_name>`, resolving Meta's $refs."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}", "components": _components()})


def errors(schema_name: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(schema_name).iter_errors(instance)]
