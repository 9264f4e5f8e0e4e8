"""What a stored webhook event does: one event spans contacts, chats, messages and templates.

An entry is applied only under a number whose app secret signed the body (a template update:
only for the accounts whose number of that WABA signed it), so one Meta app's secret cannot
write into another app's account. What is refused stays in the stored event, is noted in its
`error` and logged as a warning; the rest of the body is applied."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
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


logger = logging.getLogger("sportello.webhooks")


@dataclass
class _Signers:
    """Whose app secret signed an event, and what of it was refused for want of it."""

    number_ids: frozenset[int] | None  # None: stored before Sportello recorded signers
    refused: dict[str, int] = field(default_factory=dict)  # "phone_number_id 123" → changes

    def signed(self, number: WhatsAppNumber) -> bool:
        return self.number_ids is None or number.id in self.number_ids

    def refuse(self, name: str) -> None:
        self.refused[name] = self.refused.get(name, 0) + 1

    def note(self) -> str:
        if not self.refused:
            return ""
        names = ", ".join(
            f"{name} ({count} change{'' if count == 1 else 's'})" for name, count in sorted(self.refused.items())
        )
        return f"Not applied, not signed with the app secret of {names}."


async def apply_event(session: AsyncSession, event: WebhookEvent) -> str:
    """Apply what the event's signers may change; returns the note of what was refused ("" when
    nothing was)."""
    signers = _Signers(None if event.signed_by is None else frozenset(event.signed_by))
    deferred: list[str] = []
    for change in parse_webhook(event.body):
        if isinstance(change, InboundMessage):
            await _inbound(session, change, signers)
        elif isinstance(change, StatusUpdate):
            if not await _status(session, change, signers):
                deferred.append(change.meta_id)
        elif isinstance(change, TemplateStatusUpdate):
            await _template_status(session, change, signers)
        elif isinstance(change, UnknownChange):
            continue  # kept in the raw event; nothing of ours to change
    note = signers.note()
    if note:
        # A forgery, or a number connected with the wrong app secret: either way the operator's to see.
        logger.warning(
            "webhook event %s: %s",
            event.id,
            note,
            extra={"event_id": event.id, "refused": sorted(signers.refused), "signed_by": event.signed_by},
        )
    if deferred:
        # The rest of the event is applied and committed only with it: everything in it is
        # idempotent, so applying it again later is harmless.
        raise Deferred(f"status for a message not stored yet: {', '.join(deferred[:3])}")
    return note


async def _number(session: AsyncSession, phone_number_id: str, signers: _Signers) -> WhatsAppNumber | None:
    """The number an entry names, when the body was signed with its app secret."""
    number = await integrations_service.find_number(session, phone_number_id=phone_number_id)
    if number is None:
        return None  # a number no account has (any more): nothing to file it under
    if not signers.signed(number):
        signers.refuse(f"phone_number_id {phone_number_id}")
        return None
    return number


async def _inbound(session: AsyncSession, change: InboundMessage, signers: _Signers) -> None:
    number = await _number(session, change.phone_number_id, signers)
    if number is None:
        return
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


async def _status(session: AsyncSession, change: StatusUpdate, signers: _Signers) -> bool:
    """Apply a status; `False` when its message is not stored yet (the event waits)."""
    number = await _number(session, change.phone_number_id, signers)
    if number is None:
        return True  # nothing to wait for: no number of ours, or not its app's signature
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


async def _template_status(session: AsyncSession, change: TemplateStatusUpdate, signers: _Signers) -> None:
    # The entry's id is the WABA: only the accounts whose number of that WABA signed the body.
    numbers = await integrations_service.list_numbers_of_waba(session, waba_id=change.waba_id)
    account_ids = {number.account_id for number in numbers if signers.signed(number)}
    if numbers and not account_ids:
        signers.refuse(f"WABA {change.waba_id}")
        return
    status = TEMPLATE_EVENTS.get(change.event.upper())
    if not account_ids or status is None:
        return
    templates = await session.scalars(
        select(Template).where(Template.meta_template_id == change.template_id, Template.account_id.in_(account_ids))
    )
    for template in templates.all():
        template.status = status
        if status is TemplateStatus.REJECTED:
            reason = change.rejection_info.get("reason") or change.reason
            recommendation = change.rejection_info.get("recommendation", "")
            template.rejection_reason = f"{reason}. {recommendation}".strip(". ") if recommendation else reason
        elif status is TemplateStatus.APPROVED:
            template.rejection_reason = ""
        live.record_template(session, account_id=template.account_id, template_id=template.id)
