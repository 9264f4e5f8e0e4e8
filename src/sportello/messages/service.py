"""The rules of sending: what may go to a customer and when. A send is stored `Pending` and
answered at once; the sender (`messages.sender`) takes it to Meta after the commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.chats import contact_chats
from sportello.chats import service as chats_service
from sportello.chats.models import Chat
from sportello.chats.window import window_is_open
from sportello.contacts.models import Contact
from sportello.contacts.schemas import ContactCreate
from sportello.db.unit_of_work import after_commit
from sportello.errors import Conflict, Forbidden, InvalidInput, NotFound
from sportello.kit.text_search import SearchTerm, dialect_of
from sportello.messages import reactions
from sportello.messages import repository as repo
from sportello.messages.models import Direction, Media, MediaStatus, Message, MessageKind, SendStatus
from sportello.messages.schemas import MessageSend, NewChat
from sportello.messages.sender import wake_local_senders
from sportello.private_files import write_private_file
from sportello.realtime import service as live
from sportello.templates import service as templates_service
from sportello.templates.models import Template


@dataclass(frozen=True)
class Outgoing:
    kind: MessageKind
    content_type: str = "Text"
    text: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    template_id: int | None = None
    reply_to_meta_id: str | None = None


def _window_closed(last_inbound_at: datetime | None) -> Conflict:
    if last_inbound_at is None:
        # A chat the business started: the window opens only when the customer first answers.
        return Conflict(
            "The customer has not written yet: WhatsApp allows only templates until they answer.",
            code="window_closed",
        )
    return Conflict(
        "The customer last wrote more than 24 hours ago: WhatsApp allows only templates now. "
        "Send a template to reopen the conversation.",
        code="window_closed",
    )


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
        if not outgoing.text.strip() and "media" not in outgoing.content and "reaction" not in outgoing.content:
            raise InvalidInput("Write a message.", code="empty_message", field="text")
        if not window_is_open(chat.last_inbound_at, now):
            raise _window_closed(chat.last_inbound_at)
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
    if sender_user_id is not None and outgoing.kind is MessageKind.MESSAGE:
        await chats_service.forget_draft(session, user_id=sender_user_id, chat_id=chat.id)
    after_commit(session, wake_local_senders)
    return stored


async def _store(session: AsyncSession, chat: Chat, message: Message, now: datetime) -> Message:
    await repo.insert(session, message)
    chats_service.note_sent(session, chat, message_id=message.id, message_uuid=message.uuid, at=now)
    return message


async def get_media(
    session: AsyncSession, *, actor: Actor, media_uuid: str, only_chats: tuple[str, ...] | None = None
) -> Media:
    """A message's file, for someone who may see its chat (and, for a frame bound to its page,
    `only_chats`: the chats it may reach); 404 for anyone else (no hint that it exists)."""
    row = await repo.media_with_chat(session, account_id=actor.account_id, media_uuid=media_uuid)
    if (
        row is None
        or (only_chats is not None and row[1].uuid not in only_chats)
        or not await chats_service.may_see(session, actor=actor, chat=row[1])
    ):
        raise NotFound("There is no such file.", code="media_not_found")
    media = row[0]
    if media.status is MediaStatus.FAILED:
        raise NotFound(f"The file could not be fetched from WhatsApp: {media.error}", code="media_failed")
    if media.status is not MediaStatus.READY or media.storage_path is None:
        raise Conflict("The file is still being fetched from WhatsApp. Try again in a moment.", code="media_not_ready")
    return media


async def history(
    session: AsyncSession, *, chat: Chat, before_id: int | None, limit: int, after_id: int | None = None
) -> tuple[int, list[Message]]:
    count, rows = await repo.history(session, chat_id=chat.id, before_id=before_id, after_id=after_id, limit=limit)
    return count, list(rows)


async def history_around(session: AsyncSession, *, chat: Chat, uuid: str, older: int, newer: int) -> repo.HistoryAround:
    """The page of the chat's history around one of its messages (one found by search)."""
    message = await repo.find_by_uuid_in_chat(session, chat_id=chat.id, uuid=uuid)
    if message is None:
        raise NotFound("There is no such message in this chat.", code="message_not_found")
    return await repo.around(session, chat_id=chat.id, message_id=message.id, older=older, newer=newer)


def chats_with_text(session: AsyncSession, *, account_id: int, search: str) -> Select[int]:
    """The ids of the account's chats with a message containing `search`, as a subquery for the chat list."""
    return repo.chats_with_text(dialect_of(session), account_id=account_id, term=SearchTerm.of(search))


async def newest_matches(
    session: AsyncSession, *, account_id: int, chat_ids: Sequence[int], search: str
) -> dict[int, Message]:
    """Of each of these chats, its newest message containing `search` (what the chat list shows)."""
    return await repo.newest_matches(session, account_id=account_id, chat_ids=chat_ids, term=SearchTerm.of(search))


async def search_in_chat(session: AsyncSession, *, chat: Chat, search: str, limit: int) -> list[Message]:
    """The chat's messages containing `search`, newest first."""
    return list(await repo.search_in_chat(session, chat_id=chat.id, term=SearchTerm.of(search), limit=limit))


async def send_from_api(
    session: AsyncSession, *, account_id: int, body: MessageSend, sender_user_id: int | None
) -> tuple[Message, Chat]:
    """Spoki's `POST /messages/send/`: to a chat (`chat_uuid`) or to a phone (the contact is made)."""
    if body.chat_uuid:
        chat = await chats_service.get_chat(session, account_id=account_id, uuid=body.chat_uuid)
        contact = await session.get(Contact, chat.contact_id)
        assert contact is not None
    elif body.phone:
        contact, chat, _ = await contact_chats.sync_contact(
            session, account_id=account_id, data=ContactCreate(phone=body.phone)
        )
    else:
        raise InvalidInput("Say who to write to: chat_uuid or phone.", code="no_recipient", field="chat_uuid")
    reply_to = None
    if body.reply_to:
        replied = await repo.find_by_uuid_in_chat(session, chat_id=chat.id, uuid=body.reply_to)
        if replied is None or not replied.meta_id:
            raise InvalidInput(
                "reply_to names no WhatsApp message of this chat.", code="reply_not_found", field="reply_to"
            )
        reply_to = replied.meta_id
    if body.type == "Note":
        outgoing = Outgoing(kind=MessageKind.NOTE, text=body.text)
    elif body.type == "Template":
        if body.template is None:
            raise InvalidInput("Say which template to send (its id).", code="template_required", field="template")
        template = await templates_service.get_template(session, account_id=account_id, template_id=body.template)
        if templates_service.is_payment_template(template):
            # Its amount and link would be free text: any link to the customer, no amount
            # checked, no tracked /pay/ link. Only the PayPal path fills them.
            raise InvalidInput(
                "A payment template is sent as a payment request (the chat's PayPal tab), not as a template.",
                code="payment_template_needs_paypal",
                field="template",
            )
        outgoing = _template_outgoing(template, body.custom_fields)
    elif body.content_type == "Reaction":
        outgoing = await _reaction_outgoing(session, chat=chat, body=body)
    elif body.content_type == "Interactive" and len(body.text) > INTERACTIVE_BODY_MAX:
        raise InvalidInput(
            f"The text above buttons has at most {INTERACTIVE_BODY_MAX} characters.",
            code="text_too_long",
            field="text",
        )
    elif body.content_type == "List":
        if body.list_message is None:
            raise InvalidInput(
                "A List message needs list_message (button and sections).", code="list_required", field="list_message"
            )
        if sum(len(section.rows) for section in body.list_message.sections) > 10:
            raise InvalidInput("A list has at most 10 rows in all.", code="too_many_rows", field="list_message")
        outgoing = Outgoing(
            kind=MessageKind.MESSAGE,
            content_type="List",
            text=body.text,
            content={"list": body.list_message.model_dump()},
            reply_to_meta_id=reply_to,
        )
    elif body.content_type in MEDIA_CONTENT_TYPES:
        if not body.media:
            raise InvalidInput(
                "Upload the file first (POST /api/1/media/) and send its uuid as media.",
                code="media_required",
                field="media",
            )
        media = await repo.find_unsent_media(session, account_id=account_id, uuid=body.media)
        expected = MEDIA_CONTENT_TYPES[body.content_type]
        if media is None:
            raise NotFound("There is no such uploaded file in this account.", code="media_not_found")
        if media.kind != expected:
            raise InvalidInput(
                f"This file is a {media.kind}, not a {expected}.", code="media_kind_mismatch", field="content_type"
            )
        outgoing = Outgoing(
            kind=MessageKind.MESSAGE,
            content_type=body.content_type,
            text=body.text,
            content={
                "media": {
                    "media_uuid": media.uuid,
                    "kind": media.kind,
                    "mime_type": media.mime_type,
                    "filename": media.filename,
                }
            },
            reply_to_meta_id=reply_to,
        )
    elif body.content_type == "Interactive":
        if not body.buttons:
            raise InvalidInput("An Interactive message needs 1 to 3 buttons.", code="buttons_required", field="buttons")
        outgoing = Outgoing(
            kind=MessageKind.MESSAGE,
            content_type="Interactive",
            text=body.text,
            content={"buttons": [b.model_dump() for b in body.buttons]},
            reply_to_meta_id=reply_to,
        )
    else:
        outgoing = Outgoing(kind=MessageKind.MESSAGE, text=body.text, reply_to_meta_id=reply_to)
    message = await send(session, chat=chat, contact=contact, outgoing=outgoing, sender_user_id=sender_user_id)
    if outgoing.content_type == "Reaction":
        await reactions.apply_own_reaction(session, message)
    if body.media and body.content_type in MEDIA_CONTENT_TYPES:
        await repo.attach_media(session, uuid=body.media, message_id=message.id)
    return message, chat


async def _reaction_outgoing(session: AsyncSession, *, chat: Chat, body: MessageSend) -> Outgoing:
    """Meta's reaction send: the message it names by Meta's id, the emoji (empty: taken away)."""
    if body.reaction is None:
        raise InvalidInput(
            "A reaction needs reaction.message and reaction.emoji.", code="reaction_required", field="reaction"
        )
    target = await repo.find_by_uuid_in_chat(session, chat_id=chat.id, uuid=body.reaction.message)
    if target is None or not target.meta_id or target.direction is not Direction.INBOUND:
        raise InvalidInput(
            "reaction.message names no customer message of this chat.", code="reaction_not_found", field="reaction"
        )
    emoji = body.reaction.emoji
    return Outgoing(
        kind=MessageKind.MESSAGE,
        content_type="Reaction",
        text=emoji,
        content={"reaction": {"message_id": target.meta_id, "emoji": emoji}, "shown_on": target.uuid},
    )


def _template_outgoing(template: Template, custom_fields: dict[str, str]) -> Outgoing:
    text, meta_template = templates_service.render(template, custom_fields)
    return Outgoing(
        kind=MessageKind.TEMPLATE,
        content_type="Template",
        text=text,
        # What the customer sees under it, for the agent's copy (the send needs only `template`).
        content={
            "template": meta_template,
            "template_buttons": templates_service.sent_buttons(template, custom_fields),
        },
        template_id=template.id,
    )


async def send_payment_template(
    session: AsyncSession, *, chat: Chat, template: Template, fields: dict[str, str], sender_user_id: int | None
) -> Message:
    """The one way a payment template reaches a customer: called by `payments.service.send`, which
    has checked the amount and recorded the request whose tracked link is in `fields`."""
    contact = await session.get(Contact, chat.contact_id)
    assert contact is not None
    outgoing = _template_outgoing(template, fields)
    return await send(session, chat=chat, contact=contact, outgoing=outgoing, sender_user_id=sender_user_id)


# Meta's limit on the body of a message with reply buttons, tighter than a text's (or a list's) 4096.
INTERACTIVE_BODY_MAX = 1024
MEDIA_CONTENT_TYPES = {"Image": "image", "Document": "document", "Audio": "audio", "Video": "video"}
# Meta's table: what each kind may be, and how large.
UPLOAD_TYPES = {
    "image": ({"image/jpeg", "image/png"}, 5 * 1024**2),
    "audio": ({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 * 1024**2),
    "video": ({"video/mp4", "video/3gpp"}, 16 * 1024**2),
    "document": (
        {
            "text/plain",
            "application/pdf",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        },
        100 * 1024**2,
    ),
}


async def store_upload(
    session: AsyncSession, *, account_id: int, content: bytes, mime_type: str, filename: str, data_dir: Any
) -> Media:
    """A file to send: kept in the data folder until a message takes it to Meta."""
    kind = next((k for k, (types, _) in UPLOAD_TYPES.items() if mime_type in types), None)
    if kind is None:
        raise InvalidInput(
            f"WhatsApp does not carry files of type {mime_type[:80]}.", code="media_type_unsupported", field="file"
        )
    limit = UPLOAD_TYPES[kind][1]
    if not content or len(content) > limit:
        raise InvalidInput(f"A {kind} must be 1 byte to {limit // 1024**2} MB.", code="media_too_large", field="file")
    media_uuid = uuid.uuid4().hex
    relative = f"media/{account_id}/{media_uuid}"
    # Up to 100 MB: written off the event loop, so other requests go on meanwhile; readable
    # only by Sportello's own user.
    await asyncio.to_thread(write_private_file, data_dir, relative, content)
    return await repo.insert_media(
        session,
        Media(
            uuid=media_uuid,
            account_id=account_id,
            kind=kind,
            mime_type=mime_type,
            filename=filename[:255],
            size=len(content),
            storage_path=relative,
            status=MediaStatus.READY,
        ),
    )


async def retry(session: AsyncSession, *, chat: Chat, uuid: str) -> Message:
    """Send a failed message again, as it was: back in the queue, its error cleared."""
    message = await repo.find_by_uuid_in_chat(session, chat_id=chat.id, uuid=uuid)
    if message is None or message.direction is not Direction.OUTBOUND or message.kind is MessageKind.NOTE:
        raise NotFound("There is no such message of yours in this chat.", code="message_not_found")
    if message.send_status is not SendStatus.ERROR:
        raise Conflict("Only a message that failed is sent again.", code="message_not_failed")
    now = datetime.now(UTC)
    if message.kind is MessageKind.MESSAGE and not window_is_open(chat.last_inbound_at, now):
        raise _window_closed(chat.last_inbound_at)
    message.send_status = SendStatus.PENDING
    message.error_code = None
    message.error_message = ""
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_until = None
    await live.record_message(session, message)
    after_commit(session, wake_local_senders)
    return message


async def start_chat(session: AsyncSession, *, actor: Actor, body: NewChat) -> Chat:
    """A new conversation from the inbox: a template to a phone number. A Chat Operator who starts
    one is assigned to it, so it shows in their list."""
    send = MessageSend(phone=body.phone, type="Template", template=body.template, custom_fields=body.custom_fields)
    _, chat = await send_from_api(session, account_id=actor.account_id, body=send, sender_user_id=actor.user_id)
    if not await chats_service.may_see(session, actor=actor, chat=chat):
        await chats_service.assign(session, actor=actor, chat=chat, user_id=actor.user_id)
    return chat
