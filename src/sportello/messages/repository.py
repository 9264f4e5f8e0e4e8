"""Every query of messages and media."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sportello.messages.models import Direction, Media, Message, SendStatus


async def insert(session: AsyncSession, message: Message) -> Message:
    session.add(message)
    await session.flush()
    return message


async def find_by_meta_id(session: AsyncSession, *, whatsapp_number_id: int, meta_id: str) -> Message | None:
    return await session.scalar(
        select(Message).where(Message.whatsapp_number_id == whatsapp_number_id, Message.meta_id == meta_id)
    )


async def find_outbound_by_uuid(session: AsyncSession, *, whatsapp_number_id: int, uuid: str) -> Message | None:
    return await session.scalar(
        select(Message).where(
            Message.whatsapp_number_id == whatsapp_number_id,
            Message.uuid == uuid,
            Message.direction == Direction.OUTBOUND,
        )
    )


async def insert_media(session: AsyncSession, media: Media) -> Media:
    session.add(media)
    await session.flush()
    return media


async def list_due_outbound_ids(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[int]:
    """Pending messages that may go now, each the oldest pending one of its chat: a later
    message never overtakes one that waits for a retry (or is being sent)."""
    earlier = aliased(Message)
    rows = await session.scalars(
        select(Message.id)
        .where(
            Message.send_status == SendStatus.PENDING,
            Message.direction == Direction.OUTBOUND,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            or_(Message.claimed_until.is_(None), Message.claimed_until < now),
            ~exists().where(
                earlier.chat_id == Message.chat_id,
                earlier.send_status == SendStatus.PENDING,
                earlier.direction == Direction.OUTBOUND,
                earlier.id < Message.id,
            ),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return rows.all()


async def claim_outbound(session: AsyncSession, message_id: int, *, now: datetime, hold: timedelta) -> Message | None:
    """Take a pending message for sending; `None` when another sender has it."""
    claimed = await session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.send_status == SendStatus.PENDING,
            or_(Message.claimed_until.is_(None), Message.claimed_until < now),
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
        )
        .values(claimed_until=now + hold)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(Message, message_id, populate_existing=True)


async def find_by_uuid_in_chat(session: AsyncSession, *, chat_id: int, uuid: str) -> Message | None:
    return await session.scalar(select(Message).where(Message.chat_id == chat_id, Message.uuid == uuid))


async def history(
    session: AsyncSession, *, chat_id: int, before_id: int | None, limit: int
) -> tuple[int, Sequence[Message]]:
    """Newest first. Paging by id (not by offset) keeps pages stable while new messages arrive."""
    total = int(await session.scalar(select(func.count()).select_from(Message).where(Message.chat_id == chat_id)) or 0)
    query = select(Message).where(Message.chat_id == chat_id)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    rows = await session.scalars(query.order_by(Message.id.desc()).limit(limit))
    return total, rows.all()


async def find_unsent_media(session: AsyncSession, *, account_id: int, uuid: str) -> Media | None:
    """An uploaded file of this account that no message has taken yet."""
    return await session.scalar(
        select(Media).where(Media.account_id == account_id, Media.uuid == uuid, Media.message_id.is_(None))
    )


async def attach_media(session: AsyncSession, *, uuid: str, message_id: int) -> None:
    await session.execute(update(Media).where(Media.uuid == uuid).values(message_id=message_id))


async def move_to_chat(session: AsyncSession, *, from_chat_id: int, to_chat_id: int) -> int | None:
    """Every message of one chat into another (the same customer known twice); returns the id
    of the newest message of the chat they joined."""
    await session.execute(update(Message).where(Message.chat_id == from_chat_id).values(chat_id=to_chat_id))
    await session.flush()
    newest: int | None = await session.scalar(select(func.max(Message.id)).where(Message.chat_id == to_chat_id))
    return newest
