"""The chat page's contact panel over HTTP, as the page calls it: name, email, language, tags and a
note that stays inside Sportello, refused field by field with codes, for whoever may see the chat;
on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import Tenant, make_user, sign_in
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User
from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async


@pytest.fixture
async def acme(settings: Settings) -> Integration:
    return await seed_integration_async(settings, name="Acme")


async def _contact(client: httpx.AsyncClient, acme: Integration, phone: str = "+393331234567") -> dict[str, object]:
    created = await client.post(
        "/api/1/contacts/",
        headers={"X-Spoki-Api-Key": acme.api_key},
        json={"phone": phone, "first_name": "giulia", "tags": ["old"]},
    )
    assert created.status_code == 201, created.text
    contact: dict[str, object] = created.json()
    return contact


async def test_an_agent_edits_the_contact_of_a_chat_and_the_note_stays_inside(
    app_client: httpx.AsyncClient, acme: Integration
) -> None:
    contact = await _contact(app_client, acme)
    chat = contact["chat_uuid"]
    await sign_in(app_client, acme.owner_email)
    shown = await app_client.get(f"/web/api/chats/{chat}/contact/")
    assert shown.status_code == 200, shown.text
    assert shown.json()["note"] == "" and shown.json()["tag_set"] == ["old"]

    changed = await app_client.patch(
        f"/web/api/chats/{chat}/contact/",
        json={
            "first_name": " Giulia ",
            "last_name": "Rossi",
            "email": "Giulia@Example.com",
            "language": "es",
            "tags": ["#vip", "nuovo cliente", "vip"],
            "note": "Preferisce essere chiamata dopo le 18.",
        },
    )
    assert changed.status_code == 200, changed.text
    panel = changed.json()
    assert (panel["first_name"], panel["last_name"], panel["email"], panel["language"]) == (
        "Giulia",
        "Rossi",
        "giulia@example.com",
        "es",
    )
    assert panel["tag_set"] == ["nuovo cliente", "vip"] and panel["note"] == "Preferisce essere chiamata dopo le 18."
    # Only what is sent changes.
    again = await app_client.patch(f"/web/api/chats/{chat}/contact/", json={"note": ""})
    assert again.json()["note"] == "" and again.json()["first_name"] == "Giulia"

    # The REST contact has the new details and no note (CONTRACT §5 lists its fields).
    rest = await app_client.get(f"/api/1/contacts/{contact['id']}/", headers={"X-Spoki-Api-Key": acme.api_key})
    assert rest.json()["tag_set"] == ["nuovo cliente", "vip"] and rest.json()["email"] == "giulia@example.com"
    assert "note" not in rest.json()
    # The chat list's filter by tag offers the new tags and finds the chat by them.
    assert set((await app_client.get("/web/api/chats/filters/")).json()["tags"]) >= {"vip", "nuovo cliente"}
    tagged = (await app_client.get("/web/api/chats/", params={"tag": "nuovo cliente"})).json()["results"]
    assert [c["uuid"] for c in tagged] == [chat]
    assert (await app_client.get("/web/api/chats/", params={"tag": "old"})).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "giulia@"}, "invalid_email"),
        ({"language": "italiano"}, "invalid_language"),
        ({"first_name": "G" * 101}, "contact_name_too_long"),
        ({"tags": ["#"]}, "invalid_tag"),
        ({"tags": ["x" * 101]}, "invalid_tag"),
        ({"tags": [f"t{n}" for n in range(51)]}, "too_many_tags"),
        ({"note": "n" * 4001}, "note_too_long"),
    ],
)
async def test_a_wrong_field_is_refused_with_its_code_and_nothing_changes(
    app_client: httpx.AsyncClient, acme: Integration, body: dict[str, object], code: str
) -> None:
    chat = (await _contact(app_client, acme))["chat_uuid"]
    await sign_in(app_client, acme.owner_email)
    refused = await app_client.patch(f"/web/api/chats/{chat}/contact/", json={"last_name": "Rossi", **body})
    assert refused.status_code == 400 and refused.json()["code"] == code, refused.text
    kept = (await app_client.get(f"/web/api/chats/{chat}/contact/")).json()
    assert kept["last_name"] == "" and kept["tag_set"] == ["old"]


async def test_a_chat_operator_edits_the_contacts_of_their_chats_only(
    app_client: httpx.AsyncClient, acme: Integration, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    contact = await _contact(app_client, acme)
    owner = User(id=0, account_id=acme.account_id, email=acme.owner_email, name="Owner", role=Role.OWNER)
    tenant = Tenant(account_id=acme.account_id, owner=owner, owner_actor=Actor.of(owner))
    await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "op@acme.example.com")
    await sign_in(app_client, "op@acme.example.com")
    path = f"/web/api/chats/{contact['chat_uuid']}/contact/"
    refused = await app_client.patch(path, json={"note": "mine now"})
    assert refused.status_code == 404 and refused.json()["code"] == "chat_not_found"
    assert (await app_client.get(path)).status_code == 404

    assigned = await app_client.post(
        f"/api/1/contacts/{contact['id']}/add_operator/",
        headers={"X-Spoki-Api-Key": acme.api_key},
        json={"email": "op@acme.example.com"},
    )
    assert assigned.status_code == 200, assigned.text
    changed = await app_client.patch(path, json={"note": "mine now", "tags": ["richiamare"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["note"] == "mine now" and changed.json()["tag_set"] == ["richiamare"]


async def test_another_accounts_chat_is_not_found(
    app_client: httpx.AsyncClient, acme: Integration, settings: Settings
) -> None:
    other = await seed_integration_async(settings, name="Other")
    chat = (await _contact(app_client, other))["chat_uuid"]
    await sign_in(app_client, acme.owner_email)
    answer = await app_client.patch(f"/web/api/chats/{chat}/contact/", json={"note": "x"})
    assert answer.status_code == 404 and answer.json()["code"] == "chat_not_found"
