"""The published API description: every operation that takes a body shows an example of it,
and the browsable docs answer."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from sportello.web.security_headers import BASE_CSP


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


async def test_the_browsable_docs_load_only_our_own_assets_under_a_strict_policy(
    app_client: httpx.AsyncClient,
) -> None:
    docs = await app_client.get("/api/1/docs/")
    assert docs.status_code == 200 and 'data-schema-url="/api/1/schema/"' in docs.text
    # No inline script: every <script> has a same-origin src, and so does every stylesheet.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", docs.text, re.S)
    assert len(scripts) == 2 and all(body.strip() == "" for _, body in scripts)
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(url.startswith("/static/") for url in assets), assets
    wanted = {
        "/static/swagger-ui/swagger-ui-bundle.js": "javascript",
        "/static/js/api_docs.js": "javascript",
        "/static/swagger-ui/swagger-ui.css": "text/css",
    }
    assert wanted.keys() <= set(assets)
    for url, content_type in wanted.items():
        asset = await app_client.get(url)
        assert asset.status_code == 200 and content_type in asset.headers["content-type"], url
    assert "SwaggerUIBundle" in (await app_client.get("/static/swagger-ui/swagger-ui-bundle.js")).text
    # The licence travels with the files.
    assert "Apache License" in (await app_client.get("/static/swagger-ui/LICENSE")).text
    policy = docs.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy
    assert directives["frame-ancestors"] == "'none'" and policy.startswith(BASE_CSP)


async def test_the_description_declares_the_api_key_on_the_operations_that_take_it(
    app_client: httpx.AsyncClient,
) -> None:
    spec = (await app_client.get("/api/1/schema/")).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["SpokiApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Spoki-Api-Key",
        "description": "An approved API key.",
    }
    assert schemes["FrameSession"]["type"] == "http" and schemes["FrameSession"]["scheme"] == "bearer"
    security = {
        f"{method.upper()} {path}": operation.get("security")
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }
    api_key = [{"SpokiApiKey": []}]
    assert security["GET /api/1/contacts/"] == api_key
    assert security["POST /api/1/messages/send/"] == api_key
    assert security["POST /api/1/auth/get_authentication_token/"] == api_key
    assert security["GET /api/1/auth/frame_session/"] == [{"FrameSession": []}]
    # The exchange takes a token in its body, no key.
    assert security["POST /api/1/auth/exchange/"] is None
    # What the description says is what the API does: every operation it marks answers 401
    # without the key.
    for operation, needed in security.items():
        if needed != api_key:
            continue
        method, path = operation.split(" ", 1)
        answer = await app_client.request(method, path.replace("{", "").replace("}", ""))
        assert answer.status_code == 401, (operation, answer.status_code)


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
