"""The published API description: every operation that takes a body shows an example of it,
and the browsable docs answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_every_request_body_has_an_example(app_client: httpx.AsyncClient) -> None:
    spec = (await app_client.get("/api/1/schema/")).json()
    checked, missing = 0, []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media_type, body in content.items():
                if media_type != "application/json":
                    continue
                schema = body.get("schema", {})
                target = _resolve(schema.get("items", schema), spec)
                checked += 1
                if not (body.get("examples") or body.get("example") or target.get("examples")):
                    missing.append(f"{method.upper()} {path}")
    assert checked >= 10
    assert missing == []


async def test_the_browsable_docs_answer(app_client: httpx.AsyncClient) -> None:
    docs = await app_client.get("/api/1/docs/")
    assert docs.status_code == 200 and "swagger" in docs.text.lower() and "/api/1/schema/" in docs.text
    # Its own policy lets Swagger UI's CDN script run, and still no one may frame it.
    policy = docs.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy


async def test_the_description_says_400_for_bad_input_as_the_api_answers(app_client: httpx.AsyncClient) -> None:
    spec = (await app_client.get("/api/1/schema/")).json()
    statuses = {
        status for operations in spec["paths"].values() for op in operations.values() for status in op["responses"]
    }
    assert "422" not in statuses and "400" in statuses
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = spec["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"detail", "code", "errors"}
    answer = await app_client.post("/api/1/auth/exchange/", json={"token": 5})
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_input"
    assert answer.json()["errors"][0]["loc"][:2] == ["body", "token"]
