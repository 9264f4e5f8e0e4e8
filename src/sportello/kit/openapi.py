"""The published OpenAPI description, said as the API behaves: a malformed request is answered
400 `{detail, code, errors}` (`invalid_input`), never FastAPI's default 422, so the 422 responses
and their schemas FastAPI adds to every operation are taken out; and every operation that takes
the API key says so with an `apiKey` security scheme, so clients (and the docs' Authorize
button) know to send the header."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends
from fastapi.routing import APIRoute

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


@dataclass(frozen=True)
class SecurityScheme:
    """An OpenAPI security scheme (`spec`, as under `components.securitySchemes`) and the
    dependency whose routes require it: which operations need it is read from the routes'
    signatures, so the description cannot drift from what they check."""

    name: str
    spec: dict[str, str]
    dependency: Any  # the `Annotated[..., Depends(check)]` alias routes declare

    @property
    def check(self) -> Callable[..., Any]:
        for extra in get_args(self.dependency)[1:]:
            if isinstance(extra, Depends) and extra.dependency is not None:
                return extra.dependency
        raise TypeError(f"{self.dependency!r} is not an Annotated alias of a Depends")


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """Each API route with its effective path, methods and dependencies (router ones included)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    if iterate is None:
        # FastAPI before included routers became contexts copies every route into app.routes.
        yield from (route for route in app.routes if isinstance(route, APIRoute))
        return
    for context in iterate(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def with_security_schemes(schema: dict[str, Any], app: FastAPI, schemes: tuple[SecurityScheme, ...]) -> dict[str, Any]:
    if not schemes:
        return schema
    declared = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    for scheme in schemes:
        declared[scheme.name] = dict(scheme.spec)
    for route in _api_routes(app):
        if not route.include_in_schema:
            continue
        calls = list(_calls(route.dependant))
        # One requirement object: a route that checks two credentials needs both, not either.
        required: dict[str, list[str]] = {scheme.name: [] for scheme in schemes if scheme.check in calls}
        operations = schema.get("paths", {}).get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if required and isinstance(operation, dict):
                operation["security"] = [required]
    return schema


def without_default_422(schema: dict[str, Any]) -> dict[str, Any]:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        components.pop(name, None)
    return schema


def install(app: FastAPI, *, security: tuple[SecurityScheme, ...] = ()) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_security_schemes(without_default_422(generate()), app, security)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
