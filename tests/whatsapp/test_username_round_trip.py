"""Over real HTTP with the emulator: a username customer with no phone writes, the agent's answer
is sent to their BSUID (`recipient`, as Meta documents) and reaches their phone; when they share
their number it is still one contact and one chat. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.messages import service as messages_service
from sportello.messages.models import Direction, Message, MessageKind, SendStatus
from sportello.settings import Settings
from support.world import World, running_world, wait_for


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings, read_without_delivered_probability=0.0, seed=3) as world:
        yield world


def _rows(world: World) -> tuple[list[Contact], list[Chat], list[Message]]:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[list[Contact], list[Chat], list[Message]]:
        async with unit_of_work(sessionmaker) as session:
            # Messages first: on PostgreSQL each statement sees what was committed when it ran, so a message
            # read before its contact could appear between the two reads; read this way, any message seen
            # has its chat and contact seen too.
            messages = list((await session.scalars(select(Message).order_by(Message.id))).all())
            chats = list((await session.scalars(select(Chat))).all())
            contacts = list((await session.scalars(select(Contact))).all())
            return contacts, chats, messages

    rows: tuple[list[Contact], list[Chat], list[Message]] = world.run(work)
    return rows


def _reply(world: World, text: str) -> None:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            chat = await session.scalar(select(Chat))
            assert chat is not None
            contact = await session.get(Contact, chat.contact_id)
            assert contact is not None
            await messages_service.send(
                session,
                chat=chat,
                contact=contact,
                sender_user_id=None,
                outgoing=messages_service.Outgoing(kind=MessageKind.MESSAGE, text=text),
            )

    world.run(work)
    world.sportello.state.workers.sender.wake()


def test_a_username_customer_is_answered_at_their_bsuid_and_stays_one_chat_when_sharing_their_number(
    world: World,
) -> None:
    said = httpx.post(
        f"{world.emulator_url}/_emulator/say", json={"username": "giulia.rossi", "name": "Giulia", "text": "Ciao!"}
    )
    assert said.status_code == 200
    customer = said.json()["customer"]
    value = said.json()["webhook"]["entry"][0]["changes"][0]["value"]
    assert "wa_id" not in value["contacts"][0] and "from" not in value["messages"][0]
    assert value["contacts"][0]["user_id"] == customer["user_id"]

    contacts, chats, _ = wait_for(lambda: (rows := _rows(world))[2] and rows)
    assert [(c.phone, c.whatsapp_user_id, c.username) for c in contacts] == [
        (None, customer["user_id"], "giulia.rossi")
    ]

    _reply(world, "Ciao Giulia, come possiamo aiutarti?")
    sent: list[dict[str, Any]] = wait_for(lambda: httpx.get(f"{world.emulator_url}/_emulator/sent").json())
    body = sent[0]["body"]
    assert body["recipient"] == customer["user_id"] and "to" not in body
    phone: dict[str, Any] = httpx.get(f"{world.emulator_url}/_emulator/conversations/{customer['user_id']}").json()
    assert [m["text"] for m in phone["messages"]] == ["Ciao!", "Ciao Giulia, come possiamo aiutarti?"]
    # Its statuses (recipient_user_id, no phone) apply.
    wait_for(lambda: [m for m in _rows(world)[2] if m.send_status is SendStatus.READ])

    shared = httpx.post(
        f"{world.emulator_url}/_emulator/say",
        json={"from": customer["user_id"], "name": "Giulia", "type": "contacts", "share_phone": True},
    )
    assert shared.status_code == 200
    httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": customer["user_id"], "text": "Eccomi"})
    wait_for(lambda: len([m for m in _rows(world)[2] if m.direction is Direction.INBOUND]) == 3)
    contacts, chats, messages = _rows(world)
    assert [(c.phone, c.whatsapp_user_id) for c in contacts] == [("+" + customer["phone"], customer["user_id"])]
    assert len(chats) == 1 and {m.chat_id for m in messages} == {chats[0].id}
