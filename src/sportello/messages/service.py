"""The rules of sending: what may go to a customer and when. A send is stored `Pending` and
answered at once; the sender (`messages.sender`) takes it to Meta after the commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats.models import Chat
from sportello.chats.window import window_is_open
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import after_commit
from sportello.errors import Conflict, Forbidden, InvalidInput
from sportello.messages import repository as repo
from sportello.messages.models import Direction, Message, MessageKind, SendStatus
from sportello.messages.sender import wake_local_senders


@dataclass(frozen=True)
class Outgoing:
    kind: MessageKind
    content_type: str = "Text"
    text: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    template_id: int | None = None
    reply_to_meta_id: str | None = None


async def send(
    session: AsyncSession,
    *,
    chat: Chat,
    contact: Contact,
    outgoing: Outgoing,
    sender_user_id: int | None,
    now: datetime | None = None,
) -> Message:
    now = now or datetime.now(UTC)
    if outgoing.kind is MessageKind.NOTE:
        if not outgoing.text.strip():
            raise InvalidInput("Write the note.", code="empty_message", field="text")
        note = Message(
            uuid=uuid.uuid4().hex,
            account_id=chat.account_id,
            chat_id=chat.id,
            direction=Direction.OUTBOUND,
            kind=MessageKind.NOTE,
            content_type="Text",
            text=outgoing.text,
            content={},
            sender_user_id=sender_user_id,
            send_status=SendStatus.SENT,
            sent_at=now,
        )
        return await _store(session, chat, note, now)
    if contact.is_blocked:
        raise Forbidden("This contact is blocked: unblock them to write.", code="contact_blocked")
    if chat.whatsapp_number_id is None:
        raise Conflict("No WhatsApp number is connected to this chat's account.", code="no_whatsapp_number")
    if outgoing.kind is MessageKind.MESSAGE:
        if not outgoing.text.strip() and "media" not in outgoing.content:
            raise InvalidInput("Write a message.", code="empty_message", field="text")
        if not window_is_open(chat.last_inbound_at, now):
            raise Conflict(
                "The customer last wrote more than 24 hours ago: WhatsApp allows only templates now. "
                "Send a template to reopen the conversation.",
                code="window_closed",
            )
    message = Message(
        uuid=uuid.uuid4().hex,
        account_id=chat.account_id,
        chat_id=chat.id,
        whatsapp_number_id=chat.whatsapp_number_id,
        direction=Direction.OUTBOUND,
        kind=outgoing.kind,
        content_type=outgoing.content_type,
        text=outgoing.text,
        content=outgoing.content,
        template_id=outgoing.template_id,
        reply_to_meta_id=outgoing.reply_to_meta_id,
        sender_user_id=sender_user_id,
        send_status=SendStatus.PENDING,
        next_attempt_at=now,
    )
    stored = await _store(session, chat, message, now)
    after_commit(session, wake_local_senders)
    return stored


async def _store(session: AsyncSession, chat: Chat, message: Message, now: datetime) -> Message:
    await repo.insert(session, message)
    chat.last_message_id = message.id
    chat.updated_at = now
    return message
