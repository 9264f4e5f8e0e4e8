"""The published OpenAPI description, said as the API behaves: a malformed request is answered
400 `{detail, code, errors}` (`invalid_input`), never FastAPI's default 422, so the 422 responses
and their schemas FastAPI adds to every operation are taken out."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def without_default_422(schema: dict[str, Any]) -> dict[str, Any]:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        components.pop(name, None)
    return schema


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_default_422(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
