"""An API key of account A never reads or changes anything of account B: every `/api/1/` route
that names a resource is called with B's ids and A's key, and answers 404; B's data is unchanged."""

from __future__ import annotations

import re

import httpx
import pytest

from sportello.settings import Settings
from support.seeding import seed_integration_async, their_contact_and_template


def _body(method: str, path: str) -> dict[str, object] | None:
    """A valid body for the route, so that only ownership decides the answer."""
    if method == "PATCH":
        if path.startswith("/api/1/templates/"):
            return {"category": "MARKETING"}
        return {"text": "Changed"} if path.startswith("/api/1/quick_replies/") else {"first_name": "Changed"}
    if method == "POST":
        return {"email": "x@example.com"} if "operator" in path else {}
    return None


# Routes a frame session (not an API key) calls: they answer 401 to an API key, tested elsewhere.
FRAME_ONLY = {"/api/1/media/{media_uuid}/", "/api/1/auth/frame_session/"}


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


async def test_every_resource_route_refuses_another_accounts_ids(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    other = await seed_integration_async(settings, name="Other")
    theirs = {"X-Spoki-Api-Key": other.api_key}
    contact, template = await their_contact_and_template(app_client, other.api_key)
    quick_reply = (
        await app_client.post("/api/1/quick_replies/", headers=theirs, json={"title": "Theirs", "text": "Hello"})
    ).json()
    ids = {
        "quick_reply_id": quick_reply["id"],
        "contact_id": contact["id"],
        "chat_uuid": contact["chat_uuid"],
        "template_id": template["id"],
        "user_id": other.uid,
    }
    before = {
        "contact": (await app_client.get(f"/api/1/contacts/{contact['id']}/", headers=theirs)).json(),
        "template": (await app_client.get(f"/api/1/templates/{template['id']}/", headers=theirs)).json(),
        "quick_reply": (await app_client.get(f"/api/1/quick_replies/{quick_reply['id']}/", headers=theirs)).json(),
    }

    walked = 0
    paths = (await app_client.get("/api/1/schema/")).json()["paths"]
    for template_path, operations in paths.items():
        params = re.findall(r"{(\w+)}", template_path)
        if not template_path.startswith("/api/1/") or template_path in FRAME_ONLY or not params:
            continue
        path = template_path.format(**{name: ids[name] for name in params})
        for method in (m.upper() for m in operations):
            body = _body(method, template_path)
            answer = await app_client.request(method, path, headers={"X-Spoki-Api-Key": acme.api_key}, json=body)
            assert answer.status_code == 404, (method, template_path, answer.status_code, answer.text)
            walked += 1
    assert walked >= 12, "the walk reached the resource routes"

    after = {
        "contact": (await app_client.get(f"/api/1/contacts/{contact['id']}/", headers=theirs)).json(),
        "template": (await app_client.get(f"/api/1/templates/{template['id']}/", headers=theirs)).json(),
        "quick_reply": (await app_client.get(f"/api/1/quick_replies/{quick_reply['id']}/", headers=theirs)).json(),
    }
    assert after == before
    listed = (await app_client.get(f"/api/1/roles/{other.uid}/has_private_key/", headers=theirs)).json()
    assert listed == {"has_private_key": True}, "B's service user kept its private key"
