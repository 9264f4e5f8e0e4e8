"""Stored webhooks are applied in batches: one event that fails is rolled back alone and kept
`failed` with its error, the others of its batch are applied; a message's statuses arriving
together end at the furthest one, with each tick's time, in one write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.messages.models import Message, SendStatus
from sportello.webhooks import processor
from sportello.webhooks.flows import FLOWS
from sportello.webhooks.models import WebhookEvent, WebhookState
from sportello.webhooks.processor import process_pending
from webhooks.conftest import PHONE_NUMBER_ID, Business, Post, envelope, store_outbound
from webhooks.refusals import refused_inserts

Process = Callable[[], Awaitable[int]]


def _inbound(index: int, text: str, wa_id: str = "393330000001") -> bytes:
    return envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Ada"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": f"wamid.batch{index}",
                    "timestamp": str(1700000000 + index),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        }
    )


def _status(status: str, timestamp: int) -> bytes:
    return envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [
                {"id": "wamid.out", "status": status, "timestamp": str(timestamp), "recipient_id": "393330000001"}
            ],
        }
    )


async def test_a_failing_event_is_kept_failed_and_the_rest_of_its_batch_is_applied(
    business: Business, post_signed: Post, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    texts = ["first", "boom", "third", "fourth"]
    for index, text in enumerate(texts):
        assert (await post_signed(_inbound(index, text))).status_code == 200
    async with refused_inserts(sessionmaker, table="messages", when="NEW.text = 'boom'", message="refused here"):
        settled = 0
        while done := await process_pending(sessionmaker, FLOWS):
            settled += done
        assert settled == 4
    async with unit_of_work(sessionmaker) as session:
        filed = (await session.scalars(select(Message.text).order_by(Message.id))).all()
        events = (await session.execute(select(WebhookEvent.state, WebhookEvent.error).order_by(WebhookEvent.id))).all()
    assert list(filed) == ["first", "third", "fourth"]
    assert [state for state, _ in events] == [
        WebhookState.PROCESSED,
        WebhookState.FAILED,
        WebhookState.PROCESSED,
        WebhookState.PROCESSED,
    ]
    assert "refused here" in events[1][1]
    assert [error for _, error in events if error == ""] == ["", "", ""]


async def test_sent_delivered_and_read_in_one_batch_end_read_with_each_time(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with unit_of_work(sessionmaker) as session:
        await store_outbound(
            session,
            business,
            contact=Contact(account_id=business.account_id, phone="+393330000001"),
            meta_id="wamid.out",
            text="Your order shipped",
            send_status=SendStatus.PENDING,
        )
    # As Meta may deliver them: out of order, one twice.
    for status, timestamp in (("sent", 100), ("read", 300), ("delivered", 200), ("sent", 100)):
        assert (await post_signed(_status(status, 1700000000 + timestamp))).status_code == 200
    updates: list[str] = []
    event.listen(
        sessionmaker.kw["bind"].sync_engine,
        "before_cursor_execute",
        lambda _c, _cursor, statement, *_: (
            updates.append(statement) if statement.startswith("UPDATE messages") else None
        ),
    )
    await process()
    assert len(updates) == 1, "the message's statuses of one batch are one update"
    async with unit_of_work(sessionmaker) as session:
        message = await session.scalar(select(Message).where(Message.meta_id == "wamid.out"))
        states = set((await session.scalars(select(WebhookEvent.state))).all())
    assert message is not None and message.send_status is SendStatus.READ
    assert message.sent_at == datetime.fromtimestamp(1700000100, UTC)
    assert message.read_at == datetime.fromtimestamp(1700000300, UTC)
    assert message.delivered_at is not None and message.delivered_at <= message.read_at
    assert states == {WebhookState.PROCESSED}


async def test_a_batch_of_inbound_messages_costs_the_same_statements_for_ten_or_sixty_and_ends_each_chat_right(
    business: Business,
    post_signed: Post,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On SQLite a batch stops after 50 ms to let webhooks in; here each burst is one batch.
    monkeypatch.setattr(processor, "SQLITE_BATCH_SECONDS", 60.0)
    # Six customers known before (one message each), then bursts of 10 and of 60 from them.
    customers = [f"39333000010{i}" for i in range(6)]
    for index, wa_id in enumerate(customers):
        assert (await post_signed(_inbound(index, f"hello {index}", wa_id))).status_code == 200
    assert await process_pending(sessionmaker, FLOWS) == 6
    statements: list[str] = []
    engine = sessionmaker.kw["bind"].sync_engine

    def count(_c: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    costs = []
    start = 100
    for burst in (10, 60):
        for index in range(start, start + burst):
            body = _inbound(index, f"burst {index}", customers[index % len(customers)])
            assert (await post_signed(body)).status_code == 200
        start += burst
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert await process_pending(sessionmaker, FLOWS) == burst
        finally:
            event.remove(engine, "before_cursor_execute", count)
        costs.append(len(statements))
        statements.clear()
    assert costs[1] == costs[0], f"statements for 10 and for 60 events: {costs}"
    async with unit_of_work(sessionmaker) as session:
        chats = (await session.scalars(select(Chat).order_by(Chat.id))).all()
        newest = {
            chat_id: message_id
            for chat_id, message_id in (
                await session.execute(select(Message.chat_id, func.max(Message.id)).group_by(Message.chat_id))
            ).all()
        }
        texts = (await session.scalars(select(Message.text).order_by(Message.id))).all()
    assert len(chats) == 6 and len(texts) == 76
    assert texts[6:] == [f"burst {index}" for index in range(100, 170)], "stored in Meta's order"
    assert {chat.id: chat.last_message_id for chat in chats} == newest, "each chat's last message is its newest"
    # Each customer's first message and their share of the 70 (unread: nobody opened the chats).
    unread = {customers[i]: 1 + sum(1 for n in range(100, 170) if n % len(customers) == i) for i in range(6)}
    assert sorted(chat.unread_count for chat in chats) == sorted(unread.values()) == [12, 12, 13, 13, 13, 13]
