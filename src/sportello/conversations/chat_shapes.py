"""Builds wire `Chat`s in a fixed number of queries, whatever their number."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats.models import Chat
from sportello.chats.window import window_closes_at
from sportello.contacts import repository as contacts_repo
from sportello.contacts.schemas import AssignedOperator
from sportello.conversations.chat_schemas import ChatFound, ChatRead
from sportello.conversations.contact_shapes import contact_read, contact_views
from sportello.messages import repository as messages_repo
from sportello.messages.models import Media, Message
from sportello.messages.shapes import media_of, message_read
from sportello.settings import Settings


async def chats_read(
    session: AsyncSession,
    chats: Sequence[Chat],
    settings: Settings,
    *,
    messages: Mapping[int, Message] | None = None,
    media: Mapping[int, list[Media]] | None = None,
) -> list[ChatRead]:
    """`messages` and `media`: messages (by id) the caller has just read afresh, with their
    media; a chat whose last message is among them costs no query for it."""
    known, known_media = messages or {}, media or {}
    contacts = await contacts_repo.by_id(session, [chat.contact_id for chat in chats])
    views = {
        v.contact.id: v
        for v in await contact_views(session, list(contacts.values()), chats={c.contact_id: c for c in chats})
    }
    wanted = {c.last_message_id for c in chats if c.last_message_id is not None}
    last = {i: known[i] for i in wanted if i in known}
    last |= await messages_repo.by_id(session, wanted - set(last))
    found_media = await media_of(session, [i for i in last if i not in known])
    media = {**found_media, **{i: list(known_media.get(i, [])) for i in last if i in known}}
    result = []
    for chat in chats:
        view = views[chat.contact_id]
        message = last.get(chat.last_message_id) if chat.last_message_id is not None else None
        result.append(
            ChatRead(
                uuid=chat.uuid,
                chat_link=f"{settings.public_app_url}/chats/{chat.uuid}",
                contact=contact_read(view, settings),
                last_message=message_read(
                    message, chat, media.get(message.id, []), settings.public_app_url, settings.public_api_url
                )
                if message
                else None,
                has_unread_messages=chat.unread_count > 0,
                unread_count=chat.unread_count,
                operators=[AssignedOperator(id=u.id, email=u.email, name=u.name, role=u.role) for u in view.operators],
                tags=view.tags,
                window_closes_datetime=window_closes_at(chat.last_inbound_at),
                updated_datetime=chat.updated_at,
                user_id=view.contact.whatsapp_user_id or "",
                username=view.contact.username,
            )
        )
    return result


async def chats_found(
    session: AsyncSession, chats: Sequence[Chat], settings: Settings, matched: dict[int, Message]
) -> list[ChatFound]:
    """The chat list's rows: each chat, with the message of `matched` (by chat id) that a search found in it."""
    by_id = {chat.id: chat for chat in chats}
    media = await media_of(session, [m.id for m in matched.values()])
    found = []
    for chat, read in zip(chats, await chats_read(session, chats, settings), strict=True):
        message = matched.get(chat.id)
        found.append(
            ChatFound(
                **dict(read),
                matched_message=message_read(
                    message, by_id[chat.id], media.get(message.id, []), settings.public_app_url, settings.public_api_url
                )
                if message
                else None,
            )
        )
    return found
