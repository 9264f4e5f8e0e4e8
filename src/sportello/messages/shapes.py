"""Builds the wire `Message` from stored rows (shared by the REST API, iframe events, webhooks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.chats.models import Chat
from sportello.messages import reactions as reactions_of
from sportello.messages import repository as repo
from sportello.messages.models import Direction, Media, Message
from sportello.messages.schemas import (
    MediaRead,
    MessageButton,
    MessageReaction,
    MessageRead,
    MessageReferral,
    MessageSender,
    QuotedMessage,
)

# What `content` keeps for the shape's own fields (or for Sportello alone), not repeated in it.
_OWN_KEYS = ("raw", "user_id", "username", "referral", "reactions")


async def media_of(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, list[Media]]:
    return await repo.media_of(session, message_ids)


def _answered_meta_id(message: Message) -> str | None:
    reaction = message.content.get("reaction")
    if isinstance(reaction, dict) and reaction.get("message_id"):
        return str(reaction["message_id"])
    return message.reply_to_meta_id


async def quoted_of(session: AsyncSession, chat: Chat, messages: Sequence[Message]) -> dict[str, QuotedMessage]:
    """The messages answered (or reacted to) by `messages`, by Meta's id: one query."""
    wanted = {meta_id for m in messages if (meta_id := _answered_meta_id(m))}
    if not wanted:
        return {}
    rows = await repo.by_meta_id_in_chat(session, chat_id=chat.id, meta_ids=wanted)
    return {
        m.meta_id: QuotedMessage(uuid=m.uuid, direction=m.direction, content_type=m.content_type, text=m.text)
        for m in rows
        if m.meta_id
    }


def message_read(
    message: Message,
    chat: Chat,
    media: Sequence[Media],
    app_url: str,
    api_url: str,
    quoted: dict[str, QuotedMessage] | None = None,
    senders: dict[int, MessageSender] | None = None,
) -> MessageRead:
    # Who wrote, the ad and the reactions are in the shape's own fields, not in `content`.
    content = {k: v for k, v in message.content.items() if k not in _OWN_KEYS}
    answered = _answered_meta_id(message)
    return MessageRead(
        uuid=message.uuid,
        chat_uuid=chat.uuid,
        chat_link=f"{app_url}/chats/{chat.uuid}",
        direction=message.direction,
        type=message.kind,
        content_type=message.content_type,
        text=message.text,
        content=content,
        send_status=message.send_status,
        sent_datetime=message.sent_at,
        delivered_datetime=message.delivered_at,
        read_datetime=message.read_at,
        error_code=message.error_code,
        send_error_message=message.error_message,
        reply_to=message.reply_to_meta_id,
        quoted=(quoted or {}).get(answered) if answered else None,
        sender=(senders or {}).get(message.sender_user_id) if message.sender_user_id is not None else None,
        template=message.template_id,
        mediamessage_set=[
            MediaRead(
                uuid=m.uuid,
                kind=m.kind,
                mime_type=m.mime_type,
                filename=m.filename,
                size=m.size,
                status=m.status.value,
                url=f"{api_url}/api/1/media/{m.uuid}/",
            )
            for m in media
        ],
        created_datetime=message.created_at,
        user_id=str(message.content.get("user_id") or ""),
        username=str(message.content.get("username") or ""),
        referral=_referral(message.content.get("referral")),
        reactions=[
            MessageReaction(
                direction=Direction(r.get("direction", Direction.INBOUND.value)),
                emoji=str(r["emoji"]),
                reacted_datetime=_datetime(r.get("at")),
            )
            for r in reactions_of.current(message)
        ],
        buttons=_buttons(message.content),
    )


def _referral(value: Any) -> MessageReferral | None:
    if not isinstance(value, dict):
        return None
    return MessageReferral(**{k: str(v) for k, v in value.items() if k in MessageReferral.model_fields})


def _datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _buttons(content: dict[str, Any]) -> list[MessageButton]:
    """A template's buttons as sent, or an interactive message's reply buttons."""
    found: list[MessageButton] = []
    for button in content.get("template_buttons") or []:
        if isinstance(button, dict) and button.get("type") in ("QUICK_REPLY", "URL", "PHONE_NUMBER"):
            found.append(
                MessageButton(
                    type=button["type"],
                    text=str(button.get("text") or ""),
                    url=str(button.get("url") or ""),
                    phone_number=str(button.get("phone_number") or ""),
                )
            )
    for button in content.get("buttons") or []:
        if isinstance(button, dict) and button.get("title"):
            found.append(MessageButton(type="QUICK_REPLY", text=str(button["title"])))
    return found


async def messages_read(
    session: AsyncSession, messages: Sequence[Message], chat: Chat, app_url: str, api_url: str
) -> list[MessageRead]:
    media = await media_of(session, [m.id for m in messages])
    quoted = await quoted_of(session, chat, messages)
    senders = await senders_of(session, messages)
    return [message_read(m, chat, media.get(m.id, []), app_url, api_url, quoted, senders) for m in messages]


async def senders_of(session: AsyncSession, messages: Sequence[Message]) -> dict[int, MessageSender]:
    ids = {m.sender_user_id for m in messages if m.sender_user_id is not None}
    names = await accounts_repo.names_by_id(session, ids)
    return {user_id: MessageSender(id=user_id, name=name) for user_id, name in names.items()}
