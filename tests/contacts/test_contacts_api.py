"""Spoki's Contacts API over HTTP with an approved API key, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async


@pytest.fixture
async def acme(settings: Settings) -> Integration:
    return await seed_integration_async(settings, name="Acme")


def _key(integration: Integration) -> dict[str, str]:
    return {"X-Spoki-Api-Key": integration.api_key}


async def test_the_spoki_integration_pattern_finds_the_chat_link(
    app_client: httpx.AsyncClient, acme: Integration, settings: Settings
) -> None:
    created = await app_client.post(
        "/api/1/contacts/",
        headers=_key(acme),
        json={
            "phone": "+39 333 123 4567",
            "first_name": "Giulia",
            "last_name": "Rossi",
            "email": "Giulia@Example.com",
            "tags": ["vip"],
        },
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["phone"] == "+393331234567" and contact["email"] == "giulia@example.com"
    assert contact["tag_set"] == ["vip"] and contact["role_set"] == [] and contact["is_blocked"] is False

    found = await app_client.get("/api/1/contacts/", headers=_key(acme), params={"search": "393331234567"})
    assert found.status_code == 200
    page = found.json()
    assert page["count"] == 1 and page["next"] is None and page["previous"] is None
    chat_link = page["results"][0]["chat_link"]
    app = settings.public_app_url
    assert chat_link.startswith(f"{app}/chats/")
    uuid = chat_link.removeprefix(f"{app}/chats/")
    assert len(uuid) == 32 and all(c in "0123456789abcdef" for c in uuid) and uuid == contact["chat_uuid"]
    by_phone = await app_client.get("/api/1/contacts/", headers=_key(acme), params={"phone": "0039 333 1234567"})
    assert by_phone.json()["results"][0]["id"] == contact["id"]
    by_name = await app_client.get("/api/1/contacts/", headers=_key(acme), params={"search": "rOSSi"})
    assert by_name.json()["count"] == 1


async def test_lists_are_paginated_as_spoki_does(app_client: httpx.AsyncClient, acme: Integration) -> None:
    for index in range(30):
        answer = await app_client.post("/api/1/contacts/", headers=_key(acme), json={"phone": f"+39333000{index:04d}"})
        assert answer.status_code == 201
    first = (await app_client.get("/api/1/contacts/", headers=_key(acme), params={"page_size": 10})).json()
    assert first["count"] == 30 and len(first["results"]) == 10 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=10" in first["next"]
    last = (await app_client.get("/api/1/contacts/", headers=_key(acme), params={"page_size": 10, "page": 3})).json()
    assert last["next"] is None and "page=2" in last["previous"]
    ids = [
        c["id"]
        for p in (1, 2, 3)
        for c in (
            await app_client.get("/api/1/contacts/", headers=_key(acme), params={"page_size": 10, "page": p})
        ).json()["results"]
    ]
    assert len(set(ids)) == 30, "no contact repeated or skipped across pages"
    too_big = await app_client.get("/api/1/contacts/", headers=_key(acme), params={"page_size": 101})
    assert too_big.status_code == 400 and too_big.json()["code"] == "invalid_input"


async def test_sync_creates_then_updates_and_sync_all_takes_up_to_500(
    app_client: httpx.AsyncClient, acme: Integration
) -> None:
    first = await app_client.post(
        "/api/1/contacts/sync/", headers=_key(acme), json={"phone": "+34612345678", "first_name": "Pablo"}
    )
    assert first.status_code == 201
    second = await app_client.post(
        "/api/1/contacts/sync/", headers=_key(acme), json={"phone": "0034 612 345 678", "last_name": "García"}
    )
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert (second.json()["first_name"], second.json()["last_name"]) == ("Pablo", "García")
    batch = [{"phone": f"+4915112345{index:03d}", "first_name": f"P{index}"} for index in range(3)]
    synced = await app_client.post("/api/1/contacts/sync_all/", headers=_key(acme), json=batch)
    assert synced.status_code == 200 and [c["first_name"] for c in synced.json()] == ["P0", "P1", "P2"]
    too_many = [{"phone": f"+49151{index:07d}"} for index in range(501)]
    refused = await app_client.post("/api/1/contacts/sync_all/", headers=_key(acme), json=too_many)
    assert refused.status_code == 400


async def test_change_block_assign_and_delete(app_client: httpx.AsyncClient, acme: Integration) -> None:
    contact = (await app_client.post("/api/1/contacts/", headers=_key(acme), json={"phone": "+393331234567"})).json()
    path = f"/api/1/contacts/{contact['id']}/"
    blocked = await app_client.patch(path, headers=_key(acme), json={"is_blocked": True, "first_name": "Giulia"})
    assert blocked.status_code == 200 and blocked.json()["is_blocked"] is True
    assigned = await app_client.post(f"{path}add_operator/", headers=_key(acme), json={"email": acme.email})
    assert [o["email"] for o in assigned.json()["role_set"]] == [acme.email]
    again = await app_client.post(f"{path}add_operator/", headers=_key(acme), json={"email": acme.email})
    assert len(again.json()["role_set"]) == 1
    nobody = await app_client.post(f"{path}add_operator/", headers=_key(acme), json={"email": "x@nowhere.example.com"})
    assert nobody.status_code == 404 and nobody.json()["code"] == "user_not_found"
    removed = await app_client.post(f"{path}remove_operator/", headers=_key(acme), json={"email": acme.email})
    assert removed.json()["role_set"] == []
    assert (await app_client.delete(path, headers=_key(acme))).status_code == 204
    assert (await app_client.get(path, headers=_key(acme))).json()["code"] == "contact_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "not a phone"}, "invalid_phone"),
        ({"phone": "+1"}, "invalid_phone"),
        ({"phone": "+393331234567", "email": "nope"}, "invalid_input"),
        ({"phone": "+393331234567", "unknown": 1}, "invalid_input"),
        ({}, "invalid_input"),
    ],
)
async def test_bad_contacts_get_clear_errors(
    app_client: httpx.AsyncClient, acme: Integration, body: dict[str, object], code: str
) -> None:
    answer = await app_client.post("/api/1/contacts/", headers=_key(acme), json=body)
    assert answer.status_code == 400 and answer.json()["code"] == code


async def test_a_duplicate_phone_is_a_conflict(app_client: httpx.AsyncClient, acme: Integration) -> None:
    await app_client.post("/api/1/contacts/", headers=_key(acme), json={"phone": "+393331234567"})
    twice = await app_client.post("/api/1/contacts/", headers=_key(acme), json={"phone": "393331234567"})
    assert twice.status_code == 409 and twice.json()["code"] == "contact_exists"


async def test_a_key_of_account_a_never_reads_or_changes_account_b(
    app_client: httpx.AsyncClient, acme: Integration, settings: Settings
) -> None:
    other = await seed_integration_async(settings, name="Other")
    theirs = (await app_client.post("/api/1/contacts/", headers=_key(other), json={"phone": "+393339999999"})).json()
    path = f"/api/1/contacts/{theirs['id']}/"
    for answer in (
        await app_client.get(path, headers=_key(acme)),
        await app_client.patch(path, headers=_key(acme), json={"first_name": "Hacked"}),
        await app_client.post(f"{path}add_operator/", headers=_key(acme), json={"email": acme.email}),
        await app_client.post(f"{path}remove_operator/", headers=_key(acme), json={"email": acme.email}),
        await app_client.delete(path, headers=_key(acme)),
    ):
        assert answer.status_code == 404, answer.text
    listed = (await app_client.get("/api/1/contacts/", headers=_key(acme), params={"search": "393339999999"})).json()
    assert listed["count"] == 0
    # Syncing the same phone from A makes A's own contact; B's is untouched.
    mine = await app_client.post("/api/1/contacts/sync/", headers=_key(acme), json={"phone": "+393339999999"})
    assert mine.status_code == 201 and mine.json()["id"] != theirs["id"]
    still = (await app_client.get(path, headers=_key(other))).json()
    assert still["first_name"] == "" and still["chat_uuid"] == theirs["chat_uuid"]


async def test_the_api_needs_an_approved_key(app_client: httpx.AsyncClient) -> None:
    missing = await app_client.get("/api/1/contacts/")
    assert missing.status_code == 401 and missing.json()["code"] == "api_key_missing"
