"""Usernames and business-scoped user ids (BSUIDs): a customer is known by phone, BSUID or both.
Samples written from Meta's "Business-scoped user IDs" page and pywa's test data
(tests/whatsapp/samples/manifest.json names each one's source) are stored once; a BSUID-only
message is filed; the phone arriving later keeps one contact and one chat; a number change
updates the contact and shows as WhatsApp's notice; a status with only `recipient_user_id`
applies. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.messages.models import Direction, Message, SendStatus
from sportello.webhooks.models import WebhookEvent, WebhookState
from webhooks.conftest import PHONE_NUMBER_ID, Business, Post, envelope, store_outbound

Process = Callable[[], Awaitable[int]]
SAMPLES = Path(__file__).resolve().parents[1] / "whatsapp" / "samples"
MANIFEST: list[dict[str, Any]] = json.loads((SAMPLES / "manifest.json").read_text())
BSUID = "IT.48213390165598220417"
METADATA = {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID}


def _text(meta_id: str, text: str, *, wa_id: str | None, user_id: str | None, username: str = "") -> bytes:
    """A customer's text as Meta sends it since April 2026: `from`/`wa_id` only when it shows the phone."""
    contact: dict[str, Any] = {"profile": {"name": "Giulia", **({"username": username} if username else {})}}
    message: dict[str, Any] = {"id": meta_id, "timestamp": "1776000100", "type": "text", "text": {"body": text}}
    if wa_id:
        contact["wa_id"] = wa_id
        message = {"from": wa_id, **message}
    if user_id:
        contact["user_id"] = user_id
    return envelope(
        {"messaging_product": "whatsapp", "metadata": METADATA, "contacts": [contact], "messages": [message]}
    )


async def _all(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> list[Any]:
    async with unit_of_work(sessionmaker) as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())  # type: ignore[attr-defined]


async def _outbound_to(
    sessionmaker: async_sessionmaker[AsyncSession], business: Business, meta_id: str, contact: Contact
) -> None:
    async with unit_of_work(sessionmaker) as session:
        await store_outbound(
            session,
            business,
            contact=contact,
            meta_id=meta_id,
            text="Sì",
            send_status=SendStatus.SENT,
            chat_uuid="d" * 32,
            message_uuid="n" * 32,
        )


@pytest.mark.parametrize("item", MANIFEST, ids=lambda item: item["file"])
async def test_every_username_sample_is_understood_and_stored_once(
    item: dict[str, Any],
    business: Business,
    post_signed: Post,
    process: Process,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    if item["kind"] == "status":
        await _outbound_to(
            sessionmaker,
            business,
            item["wamid"],
            Contact(account_id=business.account_id, phone=None, whatsapp_user_id=item["user_id"]),
        )
    body = (SAMPLES / item["file"]).read_bytes()
    for _ in range(2):
        answer = await post_signed(body)
        assert answer.status_code == 200
        await process()
    events = await _all(sessionmaker, WebhookEvent)
    assert [e.state for e in events] == [WebhookState.PROCESSED] * 2
    messages = await _all(sessionmaker, Message)
    assert len(messages) == 1
    contacts = await _all(sessionmaker, Contact)
    assert len(contacts) == 1 and len(await _all(sessionmaker, Chat)) == 1
    contact, message = contacts[0], messages[0]
    if item["kind"] == "inbound_message":
        assert message.meta_id == item["wamid"] and message.direction is Direction.INBOUND
        assert contact.phone == item["phone"] and contact.whatsapp_user_id == item["user_id"]
        assert contact.username == item["username"] and contact.profile_name == item["profile_name"]
    elif item["kind"] == "status":
        assert message.send_status is SendStatus.DELIVERED and contact.phone is None
        assert message.content["user_id"] == item["user_id"]
    else:
        assert message.content_type == "System" and message.direction is Direction.INBOUND
        assert contact.phone == item["new_phone"] and contact.whatsapp_user_id == item["user_id"]


async def test_a_bsuid_only_message_is_filed_and_the_phone_later_keeps_one_contact_and_one_chat(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await post_signed(_text("wamid.U1", "Ciao", wa_id=None, user_id=BSUID, username="giulia.rossi"))
    await process()
    [contact] = await _all(sessionmaker, Contact)
    assert contact.phone is None and contact.whatsapp_user_id == BSUID and contact.username == "giulia.rossi"
    assert contact.first_name == "Giulia"
    [chat] = await _all(sessionmaker, Chat)
    assert chat.unread_count == 1 and chat.last_inbound_at is not None

    # A contact book pair: the same BSUID, now with the phone.
    await post_signed(_text("wamid.U2", "Sono io", wa_id="393331234567", user_id=BSUID))
    await process()
    [same] = await _all(sessionmaker, Contact)
    assert same.id == contact.id and same.phone == "+393331234567" and same.whatsapp_user_id == BSUID
    assert [c.id for c in await _all(sessionmaker, Chat)] == [chat.id]
    assert {m.chat_id for m in await _all(sessionmaker, Message)} == {chat.id}


async def test_a_contact_known_by_phone_and_another_by_bsuid_become_one_when_a_message_names_both(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await post_signed(_text("wamid.P1", "Dal telefono", wa_id="393331234567", user_id=None))
    await post_signed(_text("wamid.B1", "Dal nome utente", wa_id=None, user_id=BSUID, username="giulia.rossi"))
    await process()
    assert len(await _all(sessionmaker, Contact)) == 2
    await post_signed(_text("wamid.PB", "Entrambi", wa_id="393331234567", user_id=BSUID))
    await process()
    [contact] = await _all(sessionmaker, Contact)
    assert contact.phone == "+393331234567" and contact.whatsapp_user_id == BSUID
    [chat] = await _all(sessionmaker, Chat)
    messages = await _all(sessionmaker, Message)
    assert [m.meta_id for m in messages] == ["wamid.P1", "wamid.B1", "wamid.PB"]
    assert {m.chat_id for m in messages} == {chat.id} and chat.unread_count == 3
    assert chat.last_message_id == messages[-1].id


async def test_shared_own_number_attaches_the_phone_to_the_username_contact(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await post_signed(_text("wamid.S1", "Ciao", wa_id=None, user_id=BSUID, username="giulia.rossi"))
    await post_signed((SAMPLES / "bsuid_03_contact_request_answer.json").read_bytes())
    await process()
    [contact] = await _all(sessionmaker, Contact)
    assert contact.phone == "+393331234567" and contact.whatsapp_user_id == BSUID
    assert len(await _all(sessionmaker, Chat)) == 1


async def test_a_number_change_updates_phone_and_bsuid_and_is_a_notice_not_a_customer_message(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await post_signed(_text("wamid.C1", "Ciao", wa_id="972987654321", user_id="IL.11111111111111111111"))
    await process()
    [chat] = await _all(sessionmaker, Chat)
    window = chat.last_inbound_at
    await post_signed((SAMPLES / "bsuid_05_system_user_changed_number.json").read_bytes())
    await process()
    [contact] = await _all(sessionmaker, Contact)
    assert contact.phone == "+972912345678" and contact.whatsapp_user_id == "IL.60221833597730264012"
    [chat] = await _all(sessionmaker, Chat)
    notice = (await _all(sessionmaker, Message))[-1]
    assert notice.content_type == "System" and notice.chat_id == chat.id
    assert notice.content["system"]["new_wa_id"] == "972912345678"
    # WhatsApp's notice, not the customer's: not unread, and no new 24-hour window.
    assert chat.unread_count == 1 and chat.last_inbound_at == window


async def test_a_status_with_only_recipient_user_id_applies_and_teaches_the_contact_its_bsuid(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _outbound_to(
        sessionmaker, business, "wamid.BSUID04", Contact(account_id=business.account_id, phone="+393331234567")
    )
    await post_signed((SAMPLES / "bsuid_04_status_delivered_to_bsuid.json").read_bytes())
    await process()
    [message] = await _all(sessionmaker, Message)
    assert message.send_status is SendStatus.DELIVERED
    [contact] = await _all(sessionmaker, Contact)
    assert contact.whatsapp_user_id == BSUID and contact.phone == "+393331234567"
    # The day they write by BSUID alone, it is the same chat.
    await post_signed(_text("wamid.U9", "Grazie", wa_id=None, user_id=BSUID))
    await process()
    assert len(await _all(sessionmaker, Contact)) == 1 and len(await _all(sessionmaker, Chat)) == 1
    async with unit_of_work(sessionmaker) as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 2
