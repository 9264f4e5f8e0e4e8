"""Every query of the live event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.contacts.models import ContactOperator
from sportello.realtime.models import LiveEvent


def add(session: AsyncSession, event: LiveEvent) -> None:
    # Flushed with the change it reports, in the same transaction.
    session.add(event)


async def after(
    session: AsyncSession,
    *,
    account_id: int,
    after_id: int,
    only_assigned_to: int | None,
    only_chat_uuid: str | None = None,
    limit: int,
) -> Sequence[LiveEvent]:
    query = select(LiveEvent).where(LiveEvent.account_id == account_id, LiveEvent.id > after_id)
    if only_assigned_to is not None:
        assigned = select(ContactOperator.contact_id).where(ContactOperator.user_id == only_assigned_to)
        # An event without a contact passes only when it names no chat either (a template, "the
        # lists changed"): a chat's uuid is never told to an operator it is not assigned to.
        unnamed = and_(LiveEvent.contact_id.is_(None), LiveEvent.chat_uuid == "", _names_no_chat_in_ref())
        query = query.where(or_(unnamed, LiveEvent.contact_id.in_(assigned)))
    if only_chat_uuid is not None:
        if only_chat_uuid:
            mine = or_(LiveEvent.chat_uuid == only_chat_uuid, and_(LiveEvent.chat_uuid == "", _names_no_chat_in_ref()))
        else:
            mine = and_(LiveEvent.chat_uuid == "", _names_no_chat_in_ref())
        query = query.where(mine)
    return (await session.scalars(query.order_by(LiveEvent.id).limit(limit))).all()


def _names_no_chat_in_ref() -> ColumnElement[bool]:
    # Assignment events written before they carried their chat named it only in `ref`.
    return or_(LiveEvent.kind != "chats", LiveEvent.ref == "")


async def bounds(session: AsyncSession, *, account_id: int) -> tuple[int, int]:
    """The oldest and newest kept ids of an account (0, 0 when none)."""
    row = (
        await session.execute(
            select(func.min(LiveEvent.id), func.max(LiveEvent.id)).where(LiveEvent.account_id == account_id)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def delete_older_than(session: AsyncSession, *, when: datetime) -> int:
    result = await session.execute(delete(LiveEvent).where(LiveEvent.created_at < when))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
