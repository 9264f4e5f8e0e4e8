"""Every query of the live event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.realtime.models import LiveCursor, LiveEvent


async def take_numbers(session: AsyncSession, *, account_id: int, count: int) -> int:
    """Reserve `count` event numbers of the account; returns the last. The cursor row stays
    locked until the transaction ends, so numbers follow the order of commits."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = make(LiveCursor).values(account_id=account_id, last_seq=count)
    statement = upsert.on_conflict_do_update(
        index_elements=[LiveCursor.account_id], set_={"last_seq": LiveCursor.last_seq + count}
    ).returning(LiveCursor.last_seq)
    return int((await session.execute(statement)).scalar_one())


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(LiveEvent), list(rows))


async def after(session: AsyncSession, *, account_id: int, after: int, limit: int) -> Sequence[LiveEvent]:
    query = (
        select(LiveEvent)
        .where(LiveEvent.account_id == account_id, LiveEvent.seq > after)
        .order_by(LiveEvent.seq)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def newest(session: AsyncSession, *, account_id: int) -> int:
    return int(await session.scalar(select(LiveCursor.last_seq).where(LiveCursor.account_id == account_id)) or 0)


async def bounds(session: AsyncSession, *, account_id: int) -> tuple[int, int]:
    """The oldest kept and the newest number of an account (0 when none)."""
    oldest = await session.scalar(select(func.min(LiveEvent.seq)).where(LiveEvent.account_id == account_id))
    newest = await session.scalar(select(LiveCursor.last_seq).where(LiveCursor.account_id == account_id))
    return int(oldest or 0), int(newest or 0)


async def delete_older_than(session: AsyncSession, *, when: datetime) -> int:
    result = await session.execute(delete(LiveEvent).where(LiveEvent.created_at < when))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
