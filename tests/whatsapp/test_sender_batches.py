"""Many chats at once: the sender has many messages on the way to Meta together, never two of one
chat, and every message reaches Meta once, each chat's in the order they were written. Two
senders (two processes) on one database and one Redis bucket do the same between them. Meta is
the emulator, behind a few milliseconds of network, counting what it has in flight."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from sportello.chats import service as chats_service
from sportello.contacts import service as contacts_service
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.unit_of_work import unit_of_work
from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from sportello.kit.encryption import SecretBox
from sportello.kit.token_bucket import RedisTokenBucket
from sportello.messages import service as messages_service
from sportello.messages.models import Direction, Message, MessageKind, SendStatus
from sportello.messages.sender import OutboundSender
from sportello.settings import Settings
from support.servers import free_port, running_server
from support.world import FAST, connect

CHATS, EACH = 40, 5

Scope = dict[str, Any]


class InFlight:
    """ASGI middleware in front of the emulator: a few ms of latency on each send, and how many
    sends it holds at once, in all and per recipient."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = 0
        self.most = 0
        self.per_chat: Counter[str] = Counter()
        self.most_per_chat = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith("/messages"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        to = str(json.loads(body).get("to", ""))

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        self.now += 1
        self.per_chat[to] += 1
        self.most = max(self.most, self.now)
        self.most_per_chat = max(self.most_per_chat, self.per_chat[to])
        try:
            await asyncio.sleep(0.005)
            await self.app(scope, replay, send)
        finally:
            self.now -= 1
            self.per_chat[to] -= 1


@pytest.fixture
def emulator() -> Iterator[tuple[str, Business, InFlight]]:
    business = Business(webhook_url=f"http://127.0.0.1:{free_port()}/webhooks/whatsapp")
    config = EmulatorConfig(
        businesses=[business],
        number_rate_per_second=10_000,
        pair_burst=None,
        read_without_delivered_probability=0.0,
        **FAST,
    )
    gauge = InFlight(create_emulator_app(config))
    with running_server(gauge) as url:
        yield url, business, gauge


async def _queue(settings: Settings, account_id: int, number_id: int) -> None:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            for customer in range(CHATS):
                contact = await contacts_service.upsert_from_whatsapp(
                    session, account_id=account_id, phone=f"+39335{customer:07d}", profile_name=""
                )
                chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=number_id)
                chat.last_inbound_at = datetime.now(UTC)
                for index in range(EACH):
                    await messages_service.send(
                        session,
                        chat=chat,
                        contact=contact,
                        sender_user_id=None,
                        outgoing=messages_service.Outgoing(kind=MessageKind.MESSAGE, text=f"{customer}.{index}"),
                    )
    finally:
        await engine.dispose()


async def _send_all(settings: Settings, senders_count: int, redis_prefix: str | None) -> list[SendStatus]:
    engine = create_engine(settings.resolved_database_url)
    sessionmaker = create_sessionmaker(engine)
    async with httpx.AsyncClient(timeout=10) as http:
        senders = [
            OutboundSender(
                sessionmaker,
                settings,
                SecretBox(settings.fernet_key),
                http,
                bucket=RedisTokenBucket(
                    Redis.from_url("redis://127.0.0.1:6379/15"),
                    rate=settings.send_rate_per_second,
                    burst=50,
                    prefix=redis_prefix,
                )
                if redis_prefix
                else None,
            )
            for _ in range(senders_count)
        ]
        try:

            async def drain(sender: OutboundSender) -> None:
                for _ in range(200):
                    if not await sender.send_due():
                        async with sessionmaker() as session:
                            pending = await session.scalar(
                                select(Message.id).where(Message.send_status == SendStatus.PENDING).limit(1)
                            )
                        if pending is None:
                            return
                        await asyncio.sleep(0.05)

            await asyncio.wait_for(asyncio.gather(*(drain(sender) for sender in senders)), timeout=60)
            async with sessionmaker() as session:
                statuses = await session.scalars(
                    select(Message.send_status).where(Message.direction == Direction.OUTBOUND)
                )
                return list(statuses)
        finally:
            for sender in senders:
                await sender.stop()
            await engine.dispose()


def _check_what_meta_accepted(emulator_url: str) -> None:
    sent = httpx.get(f"{emulator_url}/_emulator/sent").json()
    per_message = Counter(entry["biz_opaque_callback_data"] for entry in sent)
    assert len(per_message) == CHATS * EACH and set(per_message.values()) == {1}
    per_chat: dict[str, list[str]] = defaultdict(list)
    for entry in sent:
        per_chat[entry["to"]].append(entry["body"]["text"]["body"])
    assert len(per_chat) == CHATS
    for texts in per_chat.values():
        customer = texts[0].split(".")[0]
        assert texts == [f"{customer}.{index}" for index in range(EACH)]


def test_many_chats_go_out_together_each_in_order_and_once(
    settings: Settings, emulator: tuple[str, Business, InFlight]
) -> None:
    emulator_url, business, gauge = emulator
    settings = settings.model_copy(update={"graph_api_base_url": emulator_url, "send_rate_per_second": 1000.0})
    account_id, number_id = connect(settings, business)
    asyncio.run(_queue(settings, account_id, number_id))
    statuses = asyncio.run(_send_all(settings, 1, None))
    assert set(statuses) <= {SendStatus.SENT, SendStatus.DELIVERED, SendStatus.READ} and len(statuses) == CHATS * EACH
    _check_what_meta_accepted(emulator_url)
    assert gauge.most > 1, "the sends went one at a time"
    assert gauge.most_per_chat == 1, "two messages of one chat were on the way together"


def test_two_senders_sharing_one_bucket_send_each_message_once_in_order(
    settings: Settings, emulator: tuple[str, Business, InFlight]
) -> None:
    emulator_url, business, gauge = emulator
    settings = settings.model_copy(update={"graph_api_base_url": emulator_url, "send_rate_per_second": 1000.0})
    account_id, number_id = connect(settings, business)
    asyncio.run(_queue(settings, account_id, number_id))
    statuses = asyncio.run(_send_all(settings, 2, f"sportello-test:{uuid.uuid4().hex}:"))
    assert set(statuses) <= {SendStatus.SENT, SendStatus.DELIVERED, SendStatus.READ} and len(statuses) == CHATS * EACH
    _check_what_meta_accepted(emulator_url)
    assert gauge.most_per_chat == 1, "two messages of one chat were on the way together"
