"""Every query of the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.mail.models import OutboxEmail

MAX_ATTEMPTS = 10


async def insert(session: AsyncSession, email: OutboxEmail) -> OutboxEmail:
    session.add(email)
    await session.flush()
    return email


async def list_recent(session: AsyncSession, *, limit: int = 100) -> Sequence[OutboxEmail]:
    rows = await session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit))
    return rows.all()


async def list_due_ids(session: AsyncSession, *, now: datetime, limit: int = 20) -> Sequence[int]:
    rows = await session.scalars(
        select(OutboxEmail.id)
        .where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.attempts < MAX_ATTEMPTS,
            or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    return rows.all()


async def claim(session: AsyncSession, email_id: int, *, now: datetime, hold: timedelta) -> OutboxEmail | None:
    """Take one email for sending; `None` when another sender took it first."""
    claimed = await session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            OutboxEmail.sent_at.is_(None),
            or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
        )
        .values(claimed_until=now + hold, attempts=OutboxEmail.attempts + 1)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(OutboxEmail, email_id, populate_existing=True)
