"""What a stored webhook event does: one event spans contacts, chats, messages and templates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats import service as chats_service
from sportello.contacts import service as contacts_service
from sportello.integrations import service as integrations_service
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.phones import to_e164
from sportello.messages import repository as messages_repo
from sportello.messages.models import Direction, Media, Message, MessageKind, SendStatus
from sportello.realtime import service as live
from sportello.templates.models import Template, TemplateStatus
from sportello.webhooks.models import WebhookEvent
from sportello.webhooks.processor import Deferred
from sportello.whatsapp.statuses import next_status
from sportello.whatsapp.webhook_payload import (
    InboundMessage,
    StatusUpdate,
    TemplateStatusUpdate,
    UnknownChange,
    parse_webhook,
)

TEMPLATE_EVENTS = {
    "APPROVED": TemplateStatus.APPROVED,
    "REJECTED": TemplateStatus.REJECTED,
    "PENDING": TemplateStatus.PENDING,
    "PAUSED": TemplateStatus.PAUSED,
    "DISABLED": TemplateStatus.DISABLED,
    "REINSTATED": TemplateStatus.APPROVED,
    "UNPAUSED": TemplateStatus.APPROVED,
}


async def apply_event(session: AsyncSession, event: WebhookEvent) -> None:
    deferred: list[str] = []
    for change in parse_webhook(event.body):
        if isinstance(change, InboundMessage):
            await _inbound(session, change)
        elif isinstance(change, StatusUpdate):
            if not await _status(session, change):
                deferred.append(change.meta_id)
        elif isinstance(change, TemplateStatusUpdate):
            await _template_status(session, change)
        elif isinstance(change, UnknownChange):
            continue  # kept in the raw event; nothing of ours to change
    if deferred:
        # The rest of the event is applied and committed only with it: everything in it is
        # idempotent, so applying it again later is harmless.
        raise Deferred(f"status for a message not stored yet: {', '.join(deferred[:3])}")


async def _number(session: AsyncSession, phone_number_id: str) -> WhatsAppNumber | None:
    return await integrations_service.find_number(session, phone_number_id=phone_number_id)


async def _inbound(session: AsyncSession, change: InboundMessage) -> None:
    number = await _number(session, change.phone_number_id)
    if number is None:
        return  # a number no account has (any more): nothing to file it under
    if await messages_repo.find_by_meta_id(session, whatsapp_number_id=number.id, meta_id=change.meta_id):
        return  # redelivered
    contact = await contacts_service.upsert_from_whatsapp(
        session, account_id=number.account_id, phone=to_e164(change.from_wa_id), profile_name=change.profile_name
    )
    chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=number.id)
    content: dict[str, object] = {}
    if change.media is not None:
        content["media"] = {
            "kind": change.media.kind,
            "mime_type": change.media.mime_type,
            "filename": change.media.filename,
            "voice": change.media.voice,
        }
    if change.location is not None:
        content["location"] = change.location
    if change.contacts:
        content["contacts"] = change.contacts
    if change.interactive is not None:
        content["interactive"] = change.interactive
    if change.button is not None:
        content["button"] = change.button
    if change.reaction is not None:
        content["reaction"] = change.reaction
    if change.forwarded:
        content["forwarded"] = True
    if change.content_type == "Unsupported" or change.errors:
        content["raw"] = change.raw
    message = await messages_repo.insert(
        session,
        Message(
            uuid=uuid.uuid4().hex,
            account_id=number.account_id,
            chat_id=chat.id,
            whatsapp_number_id=number.id,
            direction=Direction.INBOUND,
            kind=MessageKind.MESSAGE,
            content_type=change.content_type,
            text=change.text,
            content=content,
            meta_id=change.meta_id,
            reply_to_meta_id=change.reply_to_meta_id or None,
            send_status=SendStatus.RECEIVED,
            sent_at=change.timestamp,
        ),
    )
    if change.media is not None:
        await messages_repo.insert_media(
            session,
            Media(
                uuid=uuid.uuid4().hex,
                account_id=number.account_id,
                message_id=message.id,
                meta_media_id=change.media.media_id,
                kind=change.media.kind,
                mime_type=change.media.mime_type,
                filename=change.media.filename,
                sha256=change.media.sha256,
            ),
        )
    if chat.last_inbound_at is None or change.timestamp > chat.last_inbound_at:
        chat.last_inbound_at = change.timestamp
    if change.content_type != "Reaction":
        chat.unread_count += 1
    chat.last_message_id = message.id
    chat.updated_at = datetime.now(UTC)
    live.record_chat(session, chat, kind="message", ref=message.uuid)


async def _status(session: AsyncSession, change: StatusUpdate) -> bool:
    """Apply a status; `False` when its message is not stored yet (the event waits)."""
    number = await _number(session, change.phone_number_id)
    if number is None:
        return True
    message = await messages_repo.find_by_meta_id(session, whatsapp_number_id=number.id, meta_id=change.meta_id)
    if message is None and change.biz_opaque_callback_data:
        # Our own message uuid, echoed by Meta: how a send whose answer was lost (a crash
        # between Meta's 200 and our commit) is recognised instead of being sent again.
        message = await messages_repo.find_outbound_by_uuid(
            session, whatsapp_number_id=number.id, uuid=change.biz_opaque_callback_data
        )
        if message is not None and message.meta_id is None:
            message.meta_id = change.meta_id
    if message is None:
        return False
    new = next_status(message.send_status, change.status)
    if new is None:
        return True
    message.send_status = new
    message.claimed_until = None
    await live.record_message(session, message)
    # A later tick never shows an earlier time than the one before it.
    sent_at = message.sent_at or change.timestamp
    if new is SendStatus.SENT:
        message.sent_at = sent_at
    elif new is SendStatus.DELIVERED:
        message.sent_at = sent_at
        message.delivered_at = max(change.timestamp, sent_at)
    elif new is SendStatus.READ:
        message.sent_at = sent_at
        message.delivered_at = message.delivered_at or max(change.timestamp, sent_at)
        message.read_at = max(change.timestamp, message.delivered_at)
    elif new is SendStatus.ERROR:
        error = change.errors[0] if change.errors else None
        message.error_code = error.code if error else None
        message.error_message = (error.details or error.message or error.title) if error else "Meta reported a failure."
    return True


async def _template_status(session: AsyncSession, change: TemplateStatusUpdate) -> None:
    template = await session.scalar(select(Template).where(Template.meta_template_id == change.template_id))
    status = TEMPLATE_EVENTS.get(change.event.upper())
    if template is None or status is None:
        return
    template.status = status
    if status is TemplateStatus.REJECTED:
        reason = change.rejection_info.get("reason") or change.reason
        recommendation = change.rejection_info.get("recommendation", "")
        template.rejection_reason = f"{reason}. {recommendation}".strip(". ") if recommendation else reason
    elif status is TemplateStatus.APPROVED:
        template.rejection_reason = ""
    live.record_template(session, account_id=template.account_id, template_id=template.id)
