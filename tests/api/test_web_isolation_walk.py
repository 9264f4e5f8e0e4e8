"""A page of account A never reads or changes anything of account B: every `/web/api/` route that
names a resource is called by A's frame session with B's ids, and is refused (never a 2xx, never
a 500); B's data is unchanged."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Route

from sportello.settings import Settings
from support.seeding import seed_integration_async, their_contact_and_template


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _routes(routes: list[object]) -> list[Route]:
    """Every route, including those of included routers (which FastAPI keeps behind a wrapper)."""
    found: list[Route] = []
    for route in routes:
        if isinstance(route, Route):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_routes(route.original_router.routes))
    return found


async def _frame(client: httpx.AsyncClient, who: object) -> dict[str, str]:
    token = await client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": who.api_key},  # type: ignore[attr-defined]
        json={"email": who.email, "private_key": who.private_key},  # type: ignore[attr-defined]
    )
    opened = await client.post(
        "/api/1/auth/exchange/", json={"token": token.json()["token"], "uid": token.json()["uid"]}
    )
    return {"Authorization": f"Bearer {opened.json()['session']}"}


async def test_every_web_resource_route_refuses_another_accounts_ids(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    other = await seed_integration_async(settings, name="Other")
    theirs = {"X-Spoki-Api-Key": other.api_key}
    contact, template = await their_contact_and_template(app_client, other.api_key)
    note = (
        await app_client.post(
            "/api/1/messages/send/",
            headers=theirs,
            json={"chat_uuid": contact["chat_uuid"], "type": "Note", "text": "x"},
        )
    ).json()
    upload = await app_client.post("/api/1/media/", headers=theirs, files={"file": ("a.txt", b"hello", "text/plain")})
    quick_reply = (
        await app_client.post("/api/1/quick_replies/", headers=theirs, json={"title": "Theirs", "text": "Hello"})
    ).json()
    ids = {
        "quick_reply_id": quick_reply["id"],
        "chat_uuid": contact["chat_uuid"],
        "message_uuid": note["uuid"],
        "template_id": template["id"],
        "media_uuid": upload.json()["uuid"],
        "user_id": other.uid,
        "key_id": 1,
    }
    before = (await app_client.get(f"/api/1/chats/{contact['chat_uuid']}/messages/", headers=theirs)).json()

    page = await _frame(app_client, acme)
    walked = 0
    for route in _routes(app_client.app.routes):  # type: ignore[attr-defined]
        if not route.path.startswith("/web/api/"):
            continue
        params = re.findall(r"{(\w+)}", route.path)
        if not params:
            continue
        path = route.path.format(**{name: ids[name] for name in params})
        for method in sorted((route.methods or set()) - {"HEAD"}):
            body = {} if method in {"POST", "PATCH", "PUT"} else None
            if method == "POST" and path.endswith("/messages/"):
                body = {"type": "Note", "text": "from A"}
            answer = await app_client.request(method, path, headers=page, json=body)
            assert answer.status_code in {400, 401, 403, 404}, (method, route.path, answer.status_code, answer.text)
            assert answer.status_code != 400 or answer.json()["code"] != "invalid_input" or method != "GET"
            walked += 1
    assert walked >= 12, "the walk reached the resource routes"
    after = (await app_client.get(f"/api/1/chats/{contact['chat_uuid']}/messages/", headers=theirs)).json()
    assert after == before
    assert (await app_client.get(f"/api/1/templates/{template['id']}/", headers=theirs)).status_code == 200
    kept = (await app_client.get(f"/api/1/quick_replies/{quick_reply['id']}/", headers=theirs)).json()
    assert kept["text"] == "Hello"
