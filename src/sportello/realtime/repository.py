"""Every query of the live event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.contacts.models import ContactOperator
from sportello.realtime.models import LiveEvent


def add(session: AsyncSession, event: LiveEvent) -> None:
    # Flushed with the change it reports, in the same transaction.
    session.add(event)


async def after(
    session: AsyncSession, *, account_id: int, after_id: int, only_assigned_to: int | None, limit: int
) -> Sequence[LiveEvent]:
    query = select(LiveEvent).where(LiveEvent.account_id == account_id, LiveEvent.id > after_id)
    if only_assigned_to is not None:
        assigned = select(ContactOperator.contact_id).where(ContactOperator.user_id == only_assigned_to)
        query = query.where(or_(LiveEvent.contact_id.is_(None), LiveEvent.contact_id.in_(assigned)))
    return (await session.scalars(query.order_by(LiveEvent.id).limit(limit))).all()


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
