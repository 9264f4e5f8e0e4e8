"""What an inbound kind stores: an ad's referral whole (and in the `Message` shape), Meta's reason
for an unsupported message, and a customer's reaction on the message it names, one per customer,
a new one replacing the last and an empty one removing it. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.messages.models import Direction, Message, SendStatus
from sportello.messages.schemas import MessageRead
from sportello.messages.shapes import messages_read
from webhooks.conftest import PHONE_NUMBER_ID, Business, Post, envelope, store_outbound

Process = Callable[[], Awaitable[int]]
SAMPLES = Path(__file__).resolve().parents[1] / "whatsapp" / "samples"
METADATA = {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID}
CUSTOMER = "393331234567"
OURS = "wamid.OURS1"


def _reaction(meta_id: str, emoji: str | None, *, at: int) -> bytes:
    reaction: dict[str, Any] = {"message_id": OURS}
    if emoji is not None:
        reaction["emoji"] = emoji
    return envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": METADATA,
            "contacts": [{"profile": {"name": "Giulia"}, "wa_id": CUSTOMER}],
            "messages": [
                {"from": CUSTOMER, "id": meta_id, "timestamp": str(at), "type": "reaction", "reaction": reaction}
            ],
        }
    )


async def _messages(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Message]:
    async with unit_of_work(sessionmaker) as session:
        return list((await session.scalars(select(Message).order_by(Message.id))).all())


async def _read(sessionmaker: async_sessionmaker[AsyncSession]) -> list[MessageRead]:
    """Every message as the REST API, the iframe events and integrators see it."""
    async with unit_of_work(sessionmaker) as session:
        [chat] = (await session.scalars(select(Chat))).all()
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
        return await messages_read(session, rows, chat, "https://app.example", "https://api.example")


async def _our_message(sessionmaker: async_sessionmaker[AsyncSession], business: Business) -> None:
    async with unit_of_work(sessionmaker) as session:
        await store_outbound(
            session,
            business,
            contact=Contact(account_id=business.account_id, phone=f"+{CUSTOMER}"),
            meta_id=OURS,
            text="La sua giacca è pronta.",
            send_status=SendStatus.DELIVERED,
        )


async def test_an_ad_referral_is_stored_whole_and_read_in_the_message_shape(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = (SAMPLES / "kinds_01_text_from_ad_referral.json").read_bytes()
    sent = json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["referral"]
    assert (await post_signed(body)).status_code == 200
    await process()
    [message] = await _messages(sessionmaker)
    stored = message.content["referral"]
    assert {k: v for k, v in stored.items() if v} == {**sent, "welcome_message": sent["welcome_message"]["text"]}
    [read] = await _read(sessionmaker)
    assert read.referral is not None and read.referral.headline == "Chat with us"
    assert read.referral.ctwa_clid == sent["ctwa_clid"] and read.referral.source_url == "https://fb.me/3cr4Wqqkv"
    assert "referral" not in read.content, "the shape's own field, not repeated in content"
    assert read.text == "Does it come in another colour?"


async def test_an_unsupported_message_keeps_metas_type_and_reason(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await post_signed((SAMPLES / "kinds_02_unsupported_poll.json").read_bytes())
    await process()
    [read] = await _read(sessionmaker)
    assert read.content_type == "Unsupported"
    assert read.content["unsupported"] == {"type": "poll_update"}
    [error] = read.content["errors"]
    assert error["code"] == 131051 and error["title"] == "Message type unknown"
    assert error["details"] == "Message type is currently not supported."


async def test_a_new_reaction_replaces_the_customers_last_and_an_empty_one_removes_it(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _our_message(sessionmaker, business)
    await post_signed(_reaction("wamid.R1", "👍", at=1776000001))
    await process()
    ours = (await _read(sessionmaker))[0]
    assert [(r.emoji, r.direction) for r in ours.reactions] == [("👍", Direction.INBOUND)]

    await post_signed(_reaction("wamid.R2", "❤️", at=1776000002))
    await process()
    ours, first, second = await _read(sessionmaker)
    assert [r.emoji for r in ours.reactions] == ["❤️"], "one reaction per customer: the new one replaces"
    assert first.content.get("superseded") is True and "superseded" not in second.content
    assert second.content["shown_on"] == ours.uuid, "shown on its message, not as a line of its own"
    assert "reactions" not in ours.content

    # Meta sends a removal as an empty emoji (or none at all).
    await post_signed(_reaction("wamid.R3", "", at=1776000003))
    await process()
    ours, _, second, removal = await _read(sessionmaker)
    assert ours.reactions == [] and second.content.get("superseded") is True
    assert removal.content_type == "Reaction" and removal.text == ""
    async with unit_of_work(sessionmaker) as session:
        [chat] = (await session.scalars(select(Chat))).all()
        [stored] = [m for m in await _messages(sessionmaker) if m.meta_id == "wamid.R2"]
        assert chat.last_message_id == stored.id, "a removal leaves nothing to show as the chat's last message"
        assert chat.unread_count == 0

    await post_signed(_reaction("wamid.R4", None, at=1776000004))
    await post_signed(_reaction("wamid.R5", "😮", at=1776000005))
    await process()
    assert [r.emoji for r in (await _read(sessionmaker))[0].reactions] == ["😮"]
    await post_signed(_reaction("wamid.R6", None, at=1776000006))
    await process()
    assert (await _read(sessionmaker))[0].reactions == [], "a reaction without an emoji removes it too"


async def test_a_late_webhook_of_an_older_reaction_does_not_replace_a_newer_one(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _our_message(sessionmaker, business)
    await post_signed(_reaction("wamid.NEW", "❤️", at=1776000010))
    await process()
    await post_signed(_reaction("wamid.OLD", "👍", at=1776000005))
    await process()
    ours, newer, older = await _read(sessionmaker)
    assert [r.emoji for r in ours.reactions] == ["❤️"]
    assert older.content.get("superseded") is True and "superseded" not in newer.content
    # Redelivered, the same reaction is stored once and changes nothing.
    await post_signed(_reaction("wamid.NEW", "❤️", at=1776000010))
    await process()
    assert len(await _read(sessionmaker)) == 3
