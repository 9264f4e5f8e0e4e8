"""Chats, their history and sending over the REST API, against the emulator over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User
from sportello.conversations.json_schemas import SCHEMA_DIR
from sportello.credentials.service import api_keys
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings
from support.meta_schema import errors
from support.seeding import seed_integration
from support.world import World, running_world, wait_for

CUSTOMER = "+393331234567"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings, read_without_delivered_probability=0.0) as world:
        yield world


@pytest.fixture
def api(world: World) -> Iterator[httpx.Client]:
    """A client with an approved API key of the world's account."""
    with httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": _key_for_world(world)}) as client:
        yield client


def _key_for_world(world: World) -> str:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
        async with unit_of_work(sessionmaker) as session:
            owner = await session.scalar(
                select(User).where(User.account_id == world.account_id, User.role == Role.OWNER)
            )
            assert owner is not None
            raw, key = await api_keys.request_api_key(
                session,
                actor=Actor.of(owner),
                motivation="x" * 25,
                allowed_origins=[],
                signing_key=world.settings.signing_key,
            )
            await api_keys.approve_api_key(session, key_id=key.id)
            return raw

    result: str = world.run(work)
    return result


def test_a_customers_chat_and_a_reply_over_the_api(world: World, api: httpx.Client) -> None:
    httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": CUSTOMER, "name": "Giulia", "text": "Ciao!"})
    chats = wait_for(lambda: api.get("/api/1/chats/").json()["results"])
    chat = chats[0]
    assert chat["contact"]["phone"] == CUSTOMER and chat["unread_count"] == 1 and chat["has_unread_messages"]
    assert chat["last_message"]["text"] == "Ciao!" and chat["last_message"]["direction"] == "Inbound"
    assert chat["window_closes_datetime"] is not None

    sent = api.post(
        "/api/1/messages/send/",
        json={"chat_uuid": chat["uuid"], "type": "Message", "content_type": "Text", "text": "Buongiorno Giulia!"},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["send_status"] == "Pending" and sent.json()["chat_link"] == chat["chat_link"]

    def read() -> bool:
        history = api.get(f"/api/1/chats/{chat['uuid']}/messages/").json()["results"]
        return history[0]["uuid"] == sent.json()["uuid"] and history[0]["send_status"] == "Read"

    wait_for(read)
    history = api.get(f"/api/1/chats/{chat['uuid']}/messages/").json()
    # What the API answers is what the shipped JSON Schemas describe.
    schema_dir = SCHEMA_DIR
    jsonschema.validate(
        api.get(f"/api/1/chats/{chat['uuid']}/").json(), json.loads((schema_dir / "chat.v1.json").read_text())
    )
    for message in history["results"]:
        jsonschema.validate(message, json.loads((schema_dir / "message.v1.json").read_text()))
    assert history["count"] == 2 and [m["direction"] for m in history["results"]] == ["Outbound", "Inbound"]
    assert httpx.get(f"{world.emulator_url}/_emulator/sent").json()[0]["body"]["text"]["body"] == "Buongiorno Giulia!"


def test_history_pages_stay_stable_while_messages_arrive(world: World, api: httpx.Client) -> None:
    contact = api.post("/api/1/contacts/", json={"phone": CUSTOMER}).json()
    for index in range(30):
        assert (
            api.post(
                "/api/1/messages/send/",
                json={"chat_uuid": contact["chat_uuid"], "type": "Note", "text": f"note {index}"},
            ).status_code
            == 201
        )
    first = api.get(f"/api/1/chats/{contact['chat_uuid']}/messages/", params={"page_size": 25}).json()
    assert [m["text"] for m in first["results"]][:2] == ["note 29", "note 28"] and first["count"] == 30
    for index in range(30, 35):
        api.post(
            "/api/1/messages/send/", json={"chat_uuid": contact["chat_uuid"], "type": "Note", "text": f"note {index}"}
        )
    second = httpx.get(first["next"], headers=api.headers).json()
    assert [m["text"] for m in second["results"]] == [f"note {i}" for i in range(4, -1, -1)]
    assert second["next"] is None


def test_sending_rules_over_the_api(world: World, api: httpx.Client) -> None:
    to_phone = api.post("/api/1/messages/send/", json={"phone": "+34612345678", "text": "Hola"})
    assert to_phone.status_code == 409 and to_phone.json()["code"] == "window_closed"
    # A customer who never wrote is not told they wrote more than 24 hours ago.
    assert to_phone.json()["detail"].startswith("The customer has not written yet")
    note = api.post("/api/1/messages/send/", json={"phone": "+34612345678", "type": "Note", "text": "Call back"})
    assert note.status_code == 201 and note.json()["type"] == "Note"
    template = api.post("/api/1/messages/send/", json={"phone": "+34612345678", "type": "Template", "template": 99})
    assert template.status_code == 404 and template.json()["code"] == "template_not_found"
    nobody = api.post("/api/1/messages/send/", json={"text": "Hi"})
    assert nobody.status_code == 400 and nobody.json()["code"] == "no_recipient"
    bad_reply = api.post(
        "/api/1/messages/send/", json={"phone": "+34612345678", "type": "Note", "text": "x", "reply_to": "0" * 32}
    )
    assert bad_reply.status_code == 400 and bad_reply.json()["code"] == "reply_not_found"
    too_many_buttons = api.post(
        "/api/1/messages/send/",
        json={
            "phone": "+34612345678",
            "content_type": "Interactive",
            "text": "Pick",
            "buttons": [{"id": str(i), "title": f"B{i}"} for i in range(4)],
        },
    )
    assert too_many_buttons.status_code == 400


def test_another_accounts_chats_are_not_found(world: World, api: httpx.Client) -> None:
    other = seed_integration(world.settings, name="Other")
    theirs = httpx.post(
        f"{world.sportello_url}/api/1/contacts/",
        headers={"X-Spoki-Api-Key": other.api_key},
        json={"phone": "+393339999999"},
    ).json()
    for answer in (
        api.get(f"/api/1/chats/{theirs['chat_uuid']}/"),
        api.get(f"/api/1/chats/{theirs['chat_uuid']}/messages/"),
        api.post("/api/1/messages/send/", json={"chat_uuid": theirs["chat_uuid"], "type": "Note", "text": "x"}),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "chat_not_found"
    assert api.get("/api/1/chats/").json()["count"] == 0


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def test_a_picture_and_a_list_are_sent_through_the_api(world: World, api: httpx.Client) -> None:
    httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": CUSTOMER, "text": "Mi mandate il catalogo?"})
    chat = wait_for(lambda: api.get("/api/1/chats/").json()["results"])[0]
    uploaded = api.post("/api/1/media/", files={"file": ("jacket.png", PNG, "image/png")})
    assert uploaded.status_code == 201 and uploaded.json()["kind"] == "image"
    wrong_kind = api.post(
        "/api/1/messages/send/",
        json={"chat_uuid": chat["uuid"], "content_type": "Document", "media": uploaded.json()["uuid"]},
    )
    assert wrong_kind.status_code == 400 and wrong_kind.json()["code"] == "media_kind_mismatch"
    picture = api.post(
        "/api/1/messages/send/",
        json={
            "chat_uuid": chat["uuid"],
            "content_type": "Image",
            "text": "La giacca blu",
            "media": uploaded.json()["uuid"],
        },
    )
    assert picture.status_code == 201, picture.text
    assert picture.json()["content_type"] == "Image"
    listing = api.post(
        "/api/1/messages/send/",
        json={
            "chat_uuid": chat["uuid"],
            "content_type": "List",
            "text": "Quale taglia?",
            "list_message": {
                "button": "Taglie",
                "sections": [
                    {
                        "title": "Giacche",
                        "rows": [
                            {"id": "m", "title": "M"},
                            {"id": "l", "title": "L", "description": "Vestibilità comoda"},
                        ],
                    }
                ],
            },
        },
    )
    assert listing.status_code == 201, listing.text

    def both_sent() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = httpx.get(f"{world.emulator_url}/_emulator/sent").json()
        return found if len(found) == 2 else None

    sent = wait_for(both_sent)
    bodies = {entry["type"]: entry["body"] for entry in sent}
    assert bodies["image"]["image"]["caption"] == "La giacca blu" and bodies["image"]["image"]["id"]
    assert bodies["interactive"]["interactive"]["type"] == "list"
    for body in bodies.values():
        assert errors("Message", {k: v for k, v in body.items() if k != "biz_opaque_callback_data"}) == []
    reused = api.post(
        "/api/1/messages/send/",
        json={"chat_uuid": chat["uuid"], "content_type": "Image", "media": uploaded.json()["uuid"]},
    )
    assert reused.status_code == 404 and reused.json()["code"] == "media_not_found"


def test_uploads_are_checked_as_whatsapp_checks_them(api: httpx.Client) -> None:
    exe = api.post("/api/1/media/", files={"file": ("tool.exe", b"MZ....", "application/x-msdownload")})
    assert exe.status_code == 400 and exe.json()["code"] == "media_type_unsupported"
    empty = api.post("/api/1/media/", files={"file": ("empty.png", b"", "image/png")})
    assert empty.status_code == 400 and empty.json()["code"] == "media_too_large"
