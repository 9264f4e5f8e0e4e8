"""Quick replies over the REST API (an API key) and the web API (a signed-in person), on SQLite
and PostgreSQL: Spoki's pages, one title per account, roles, and the composer's filled text."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import make_user, sign_in
from sportello.accounts.models import Role
from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async


@pytest.fixture
async def acme(settings: Settings) -> Integration:
    return await seed_integration_async(settings, name="Acme")


def _key(integration: Integration) -> dict[str, str]:
    return {"X-Spoki-Api-Key": integration.api_key}


async def test_create_read_update_delete_over_the_api(app_client: httpx.AsyncClient, acme: Integration) -> None:
    created = await app_client.post(
        "/api/1/quick_replies/", headers=_key(acme), json={"title": "Hours", "text": "Hi {{first_name}}, 9-18."}
    )
    assert created.status_code == 201, created.text
    reply = created.json()
    assert reply["title"] == "Hours" and reply["text"] == "Hi {{first_name}}, 9-18."
    path = f"/api/1/quick_replies/{reply['id']}/"
    assert (await app_client.get(path, headers=_key(acme))).json()["title"] == "Hours"
    changed = await app_client.patch(path, headers=_key(acme), json={"text": "We open at 9."})
    assert changed.status_code == 200 and changed.json()["text"] == "We open at 9."
    assert changed.json()["title"] == "Hours", "a field left out stays as it was"
    assert (await app_client.delete(path, headers=_key(acme))).status_code == 204
    gone = await app_client.get(path, headers=_key(acme))
    assert gone.status_code == 404 and gone.json()["code"] == "quick_reply_not_found"


async def test_a_title_is_taken_once_per_account_whatever_its_case(
    app_client: httpx.AsyncClient, acme: Integration, settings: Settings
) -> None:
    first = await app_client.post("/api/1/quick_replies/", headers=_key(acme), json={"title": "Hours", "text": "a"})
    again = await app_client.post("/api/1/quick_replies/", headers=_key(acme), json={"title": "hours", "text": "b"})
    assert again.status_code == 409 and again.json()["code"] == "quick_reply_title_taken"
    other = await app_client.post("/api/1/quick_replies/", headers=_key(acme), json={"title": "Prices", "text": "c"})
    renamed = await app_client.patch(
        f"/api/1/quick_replies/{other.json()['id']}/", headers=_key(acme), json={"title": "HOURS"}
    )
    assert renamed.status_code == 409 and renamed.json()["code"] == "quick_reply_title_taken"
    same = await app_client.patch(
        f"/api/1/quick_replies/{first.json()['id']}/", headers=_key(acme), json={"title": "Hours"}
    )
    assert same.status_code == 200, "keeping its own title is no conflict"
    beta = await seed_integration_async(settings, name="Beta")
    theirs = await app_client.post("/api/1/quick_replies/", headers=_key(beta), json={"title": "Hours", "text": "x"})
    assert theirs.status_code == 201, "another account has titles of its own"
    listed = (await app_client.get("/api/1/quick_replies/", headers=_key(beta))).json()
    assert [r["text"] for r in listed["results"]] == ["x"], "an account lists only its own"


async def test_lengths_are_checked(app_client: httpx.AsyncClient, acme: Integration) -> None:
    long_title = await app_client.post(
        "/api/1/quick_replies/", headers=_key(acme), json={"title": "t" * 61, "text": "x"}
    )
    assert long_title.status_code == 400 and long_title.json()["code"] == "invalid_input"
    long_text = await app_client.post(
        "/api/1/quick_replies/", headers=_key(acme), json={"title": "t", "text": "x" * 4097}
    )
    assert long_text.status_code == 400
    fits = await app_client.post("/api/1/quick_replies/", headers=_key(acme), json={"title": "t", "text": "x" * 4096})
    assert fits.status_code == 201


async def test_the_list_is_paginated_as_spoki_does_and_searched(
    app_client: httpx.AsyncClient, acme: Integration
) -> None:
    for index in range(12):
        await app_client.post(
            "/api/1/quick_replies/", headers=_key(acme), json={"title": f"Reply {index:02d}", "text": f"text {index}"}
        )
    await app_client.post(
        "/api/1/quick_replies/", headers=_key(acme), json={"title": "Shipping", "text": "We ship in 100% recycled box"}
    )
    first = (await app_client.get("/api/1/quick_replies/", headers=_key(acme), params={"page_size": 5})).json()
    assert first["count"] == 13 and len(first["results"]) == 5 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=5" in first["next"]
    titles = [r["title"] for r in first["results"]]
    assert titles == sorted(titles, key=str.lower), "by title"
    by_title = (await app_client.get("/api/1/quick_replies/", headers=_key(acme), params={"search": "SHIP"})).json()
    assert [r["title"] for r in by_title["results"]] == ["Shipping"]
    by_text = (await app_client.get("/api/1/quick_replies/", headers=_key(acme), params={"search": "100%"})).json()
    assert by_text["count"] == 1, "a % in the search is a character, not a wildcard"
    assert (await app_client.get("/api/1/quick_replies/", headers=_key(acme), params={"search": "%"})).json()[
        "count"
    ] == 1


async def test_the_composer_gets_the_text_filled_from_the_chats_contact(
    app_client: httpx.AsyncClient, acme: Integration, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    contact = (
        await app_client.post(
            "/api/1/contacts/",
            headers=_key(acme),
            json={"phone": "+393331234567", "first_name": "Giulia", "last_name": "Rossi", "email": "g@example.com"},
        )
    ).json()
    await app_client.post(
        "/api/1/quick_replies/",
        headers=_key(acme),
        json={
            "title": "Greeting",
            "text": "Ciao {{first_name}} {{last_name}} ({{name}}), {{phone}} {{email}} {{order_id}} {{ first_name }}",
        },
    )
    await sign_in(app_client, acme.owner_email)
    found = await app_client.get(f"/web/api/chats/{contact['chat_uuid']}/quick_replies/", params={"search": "greet"})
    assert found.status_code == 200, found.text
    assert found.json()[0]["text"] == (
        "Ciao Giulia Rossi (Giulia Rossi), +393331234567 g@example.com {{order_id}} Giulia"
    ), "known fields filled, an unknown one left for the agent to see"
    assert (await app_client.get(f"/web/api/chats/{contact['chat_uuid']}/quick_replies/?search=zzz")).json() == []


async def test_a_field_the_contact_lacks_stays_visible(app_client: httpx.AsyncClient, acme: Integration) -> None:
    contact = (await app_client.post("/api/1/contacts/", headers=_key(acme), json={"phone": "+393331234568"})).json()
    await app_client.post(
        "/api/1/quick_replies/", headers=_key(acme), json={"title": "Mail", "text": "Ciao {{first_name}}: {{email}}?"}
    )
    await sign_in(app_client, acme.owner_email)
    found = (await app_client.get(f"/web/api/chats/{contact['chat_uuid']}/quick_replies/")).json()
    assert found[0]["text"] == "Ciao {{first_name}}: {{email}}?"


async def test_managers_manage_and_an_operator_only_uses(
    app_client: httpx.AsyncClient, acme: Integration, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from conftest import Tenant

    contact = (await app_client.post("/api/1/contacts/", headers=_key(acme), json={"phone": "+393331234569"})).json()
    tenant = Tenant(account_id=acme.account_id, owner=None, owner_actor=None)  # type: ignore[arg-type]
    await make_user(sessionmaker, tenant, Role.CHAT_MANAGER, "manager@acme.example.com")
    await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "operator@acme.example.com")

    await sign_in(app_client, "manager@acme.example.com")
    made = await app_client.post("/web/api/quick_replies/", json={"title": "Thanks", "text": "Grazie!"})
    assert made.status_code == 201, made.text
    edited = await app_client.patch(f"/web/api/quick_replies/{made.json()['id']}/", json={"text": "Grazie mille!"})
    assert edited.status_code == 200

    app_client.cookies.clear()
    await sign_in(app_client, "operator@acme.example.com")
    listed = await app_client.get("/web/api/quick_replies/")
    assert listed.status_code == 200 and [r["title"] for r in listed.json()["results"]] == ["Thanks"]
    for method, path, body in (
        ("POST", "/web/api/quick_replies/", {"title": "Mine", "text": "x"}),
        ("PATCH", f"/web/api/quick_replies/{made.json()['id']}/", {"text": "x"}),
        ("DELETE", f"/web/api/quick_replies/{made.json()['id']}/", None),
    ):
        refused = await app_client.request(method, path, json=body)
        assert refused.status_code == 403 and refused.json()["code"] == "quick_reply_changes_not_allowed"
    unassigned = await app_client.get(f"/web/api/chats/{contact['chat_uuid']}/quick_replies/")
    assert unassigned.status_code == 404, "an operator's picker works only in a chat assigned to them"
    await app_client.post(
        f"/api/1/contacts/{contact['id']}/add_operator/",
        headers=_key(acme),
        json={"email": "operator@acme.example.com"},
    )
    assigned = await app_client.get(f"/web/api/chats/{contact['chat_uuid']}/quick_replies/")
    assert assigned.status_code == 200 and assigned.json()[0]["text"] == "Grazie mille!"
