"""Read receipts and "typing…", as the chat page asks for them: the agent opens the chat and the
customer's phone (the emulator) shows their message read; once per message; never with the
account's setting off; "typing…" while the agent writes; only for sessions that may."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts.models import Role
from sportello.db.unit_of_work import unit_of_work
from sportello.messages.models import Message
from sportello.settings import Settings
from support.seeding import Integration, add_service_user_with_key
from support.sessions import PASSWORD, open_frame, sign_in_person
from support.world import World, running_world, wait_for

GIULIA, MARCO = "+393331234567", "+393471112222"
# Longer than a few rounds of the read-receipt sender (it polls every 0.1 s in the world).
QUIET = 0.8


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


_open: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


@pytest.fixture
def desk(world: World) -> httpx.Client:
    return frame(
        world, add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    )


def frame(world: World, who: Integration, **toggles: object) -> httpx.Client:
    client = open_frame(world.sportello_url, who, language="it", **toggles)
    _open.append(client)
    return client


def customer_writes(world: World, phone: str, text: str) -> str:
    said = httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": phone, "name": "Giulia", "text": text})
    assert said.status_code == 200, said.text
    return str(said.json()["wamid"])


def phone_of(world: World, phone: str) -> dict[str, Any]:
    """What the customer's phone shows (the emulator's record of the conversation)."""
    return httpx.get(f"{world.emulator_url}/_emulator/conversations/{phone}").json()  # type: ignore[no-any-return]


def chat_of(world: World, page: httpx.Client, phone: str, messages: int = 1) -> str:
    """The chat's uuid once Sportello has filed the customer's `messages`."""

    def filed() -> str | None:
        for chat in page.get("/web/api/chats/").json()["results"]:
            if chat["contact"]["phone"] == phone:
                history = page.get(f"/web/api/chats/{chat['uuid']}/messages/").json()
                if history["count"] >= messages:
                    return str(chat["uuid"])
        return None

    return str(wait_for(filed))


def read_status(world: World, phone: str) -> dict[str, str]:
    return {m["wamid"]: m["status"] for m in phone_of(world, phone)["messages"] if m["direction"] == "in"}


def test_opening_a_chat_marks_the_customers_message_read_once(world: World, desk: httpx.Client) -> None:
    first = customer_writes(world, GIULIA, "Ciao, avete la giacca blu?")
    chat = chat_of(world, desk, GIULIA)
    assert read_status(world, GIULIA) == {first: ""}

    assert desk.post(f"/web/api/chats/{chat}/read/").status_code == 200
    wait_for(lambda: read_status(world, GIULIA) == {first: "read"})
    assert [r["message_id"] for r in phone_of(world, GIULIA)["read_receipts"]] == [first]

    # Opening again, with nothing new from the customer, asks Meta for nothing.
    assert desk.post(f"/web/api/chats/{chat}/read/").status_code == 200
    time.sleep(QUIET)
    assert len(phone_of(world, GIULIA)["read_receipts"]) == 1

    second = customer_writes(world, GIULIA, "In taglia M")
    chat_of(world, desk, GIULIA, messages=2)
    assert desk.post(f"/web/api/chats/{chat}/read/").status_code == 200
    wait_for(lambda: read_status(world, GIULIA) == {first: "read", second: "read"})
    assert [r["message_id"] for r in phone_of(world, GIULIA)["read_receipts"]] == [first, second]


def test_the_agents_own_message_is_never_marked_read(world: World, desk: httpx.Client) -> None:
    customer = customer_writes(world, GIULIA, "Buongiorno")
    chat = chat_of(world, desk, GIULIA)
    sent = desk.post(f"/web/api/chats/{chat}/messages/", json={"type": "Message", "text": "Buongiorno a lei!"})
    assert sent.status_code == 201, sent.text
    wait_for(lambda: len(phone_of(world, GIULIA)["messages"]) == 2)
    assert desk.post(f"/web/api/chats/{chat}/read/").status_code == 200
    wait_for(lambda: phone_of(world, GIULIA)["read_receipts"])
    assert [r["message_id"] for r in phone_of(world, GIULIA)["read_receipts"]] == [customer]


def test_a_message_older_than_metas_30_days_is_not_marked(world: World, desk: httpx.Client) -> None:
    customer_writes(world, GIULIA, "Ciao")
    chat = chat_of(world, desk, GIULIA)

    async def age(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            await session.execute(update(Message).values(created_at=datetime.now(UTC) - timedelta(days=31)))

    world.run(age)
    assert desk.post(f"/web/api/chats/{chat}/read/").status_code == 200
    assert desk.post(f"/web/api/chats/{chat}/typing/").json() == {"typing": False}
    time.sleep(QUIET)
    assert phone_of(world, GIULIA)["read_receipts"] == []


def test_with_read_receipts_off_nothing_is_marked(world: World, desk: httpx.Client) -> None:
    owner = sign_in_person(world.sportello_url, "owner@shop.example.com")
    _open.append(owner)
    assert owner.get("/web/api/account/settings/").json() == {"send_read_receipts": True}  # on by default
    turned = owner.put("/web/api/account/settings/", json={"send_read_receipts": False})
    assert turned.status_code == 200 and turned.json() == {"send_read_receipts": False}
    assert desk.get("/web/api/account/settings/").json() == {"send_read_receipts": False}

    wamid = customer_writes(world, GIULIA, "Ciao")
    chat = chat_of(world, desk, GIULIA)
    assert desk.post(f"/web/api/chats/{chat}/read/").status_code == 200
    assert desk.post(f"/web/api/chats/{chat}/typing/").json() == {"typing": False}
    time.sleep(QUIET)
    assert phone_of(world, GIULIA)["read_receipts"] == [] and read_status(world, GIULIA) == {wamid: ""}
    assert phone_of(world, GIULIA)["typing"] is False


def test_only_the_owner_or_an_administrator_changes_the_setting(world: World, desk: httpx.Client) -> None:
    owner = sign_in_person(world.sportello_url, "owner@shop.example.com")
    _open.append(owner)
    added = owner.post(
        "/web/api/users/",
        json={"email": "mara@shop.example.com", "name": "Mara", "role": "Chat Manager", "password": PASSWORD},
    )
    assert added.status_code == 201, added.text
    manager = sign_in_person(world.sportello_url, "mara@shop.example.com")
    _open.append(manager)
    refused = manager.put("/web/api/account/settings/", json={"send_read_receipts": False})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    # A frame is never the full app's signed-in person: it cannot change the account.
    assert desk.put("/web/api/account/settings/", json={"send_read_receipts": False}).status_code == 401
    for bad in ({"send_read_receipts": "maybe"}, {"send_read_receipts": False, "colour": "red"}, {}):
        answer = owner.put("/web/api/account/settings/", json=bad)
        assert answer.status_code == 400 and answer.json()["code"], bad
    assert owner.get("/web/api/account/settings/").json() == {"send_read_receipts": True}


def test_typing_in_the_composer_shows_typing_on_the_customers_phone(world: World, desk: httpx.Client) -> None:
    wamid = customer_writes(world, GIULIA, "Avete la taglia M?")
    chat = chat_of(world, desk, GIULIA)
    assert desk.post(f"/web/api/chats/{chat}/typing/").json() == {"typing": True}
    wait_for(lambda: phone_of(world, GIULIA)["typing"])
    receipts = phone_of(world, GIULIA)["read_receipts"]
    assert [(r["message_id"], r["typing_indicator"]) for r in receipts] == [(wamid, True)]
    assert read_status(world, GIULIA) == {wamid: "read"}  # Meta sends "typing…" with a read receipt

    # Still typing a moment later: the indicator still shows, and Meta is not asked again.
    assert desk.post(f"/web/api/chats/{chat}/typing/").json() == {"typing": True}
    assert desk.post(f"/web/api/chats/{chat}/read/").status_code == 200
    time.sleep(QUIET)
    assert len(phone_of(world, GIULIA)["read_receipts"]) == 1

    # The answer ends "typing…", as on Meta.
    assert desk.post(f"/web/api/chats/{chat}/messages/", json={"type": "Message", "text": "Sì!"}).status_code == 201
    wait_for(lambda: not phone_of(world, GIULIA)["typing"])


def test_a_session_that_may_not_see_or_reply_sends_neither(world: World, desk: httpx.Client) -> None:
    customer_writes(world, GIULIA, "Ciao")
    chat = chat_of(world, desk, GIULIA)
    operator = frame(
        world, add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Op")
    )
    for path in ("read", "typing"):
        answer = operator.post(f"/web/api/chats/{chat}/{path}/")
        assert answer.status_code == 404 and answer.json()["code"] == "chat_not_found", path
    read_only = frame(
        world,
        add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Ro"),
        can_reply_in_chat=False,
    )
    refused = read_only.post(f"/web/api/chats/{chat}/typing/")
    assert refused.status_code == 403 and refused.json()["code"] == "reply_not_allowed"
    time.sleep(QUIET)
    assert phone_of(world, GIULIA)["read_receipts"] == []
