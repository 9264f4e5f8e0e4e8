"""Over real HTTP: the customer writes → Sportello stores it → the agent replies → the emulator
receives a body valid against Meta's schema → sent, delivered and read come back and apply.
On SQLite and PostgreSQL."""

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
from support.meta_schema import errors
from support.world import World, running_world, wait_for

CUSTOMER = "+393331234567"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings, read_without_delivered_probability=0.0, seed=7) as world:
        yield world


def _messages(world: World) -> list[Message]:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Message]:
        async with unit_of_work(sessionmaker) as session:
            return list((await session.scalars(select(Message).order_by(Message.id))).all())

    result: list[Message] = world.run(work)
    return result


def _reply(world: World, text: str) -> str:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
        async with unit_of_work(sessionmaker) as session:
            chat = await session.scalar(select(Chat))
            assert chat is not None
            contact = await session.get(Contact, chat.contact_id)
            assert contact is not None
            message = await messages_service.send(
                session,
                chat=chat,
                contact=contact,
                sender_user_id=None,
                outgoing=messages_service.Outgoing(kind=MessageKind.MESSAGE, text=text),
            )
            return message.uuid

    uuid: str = world.run(work)
    # The sender of the web process is woken only by commits in that process: nudge it as the
    # API route's commit would.
    world.sportello.state.workers.sender.wake()
    return uuid


def test_customer_writes_agent_replies_statuses_come_back(world: World) -> None:
    said = httpx.post(
        f"{world.emulator_url}/_emulator/say", json={"from": CUSTOMER, "name": "Giulia", "text": "Avete la taglia M?"}
    )
    assert said.status_code == 200
    inbound = wait_for(lambda: [m for m in _messages(world) if m.direction is Direction.INBOUND])
    assert inbound[0].text == "Avete la taglia M?" and inbound[0].meta_id == said.json()["wamid"]

    uuid = _reply(world, "Sì, in blu e in nero.")
    sent: list[dict[str, Any]] = wait_for(lambda: httpx.get(f"{world.emulator_url}/_emulator/sent").json())
    assert len(sent) == 1
    body = sent[0]["body"]
    assert body["to"] == "393331234567" and body["text"]["body"] == "Sì, in blu e in nero."
    assert body["biz_opaque_callback_data"] == uuid
    # Meta's schema has no biz_opaque_callback_data, which Meta's send-messages page documents.
    assert errors("Message", {k: v for k, v in body.items() if k != "biz_opaque_callback_data"}) == []

    def read() -> Message | None:
        reply = next(m for m in _messages(world) if m.uuid == uuid)
        return reply if reply.send_status is SendStatus.READ else None

    reply = wait_for(read)
    assert reply.meta_id == sent[0]["wamid"]
    assert reply.sent_at and reply.delivered_at and reply.read_at
    assert reply.sent_at <= reply.delivered_at <= reply.read_at


def test_a_reply_outside_the_window_is_refused_before_meta(world: World) -> None:
    httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": CUSTOMER, "text": "Ciao"})
    wait_for(lambda: _messages(world))

    async def age_the_chat(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        from datetime import UTC, datetime, timedelta

        async with unit_of_work(sessionmaker) as session:
            chat = await session.scalar(select(Chat))
            assert chat is not None
            chat.last_inbound_at = datetime.now(UTC) - timedelta(hours=25)

    world.run(age_the_chat)
    from sportello.errors import Conflict

    with pytest.raises(Conflict) as refused:
        _reply(world, "Too late")
    assert refused.value.code == "window_closed" and "template" in refused.value.detail
    assert httpx.get(f"{world.emulator_url}/_emulator/sent").json() == []
