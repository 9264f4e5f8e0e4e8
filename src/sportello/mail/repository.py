"""Every query of the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.kit.queue import DurableQueue
from sportello.mail.models import OutboxEmail

MAX_ATTEMPTS = 10
# Emails not sent yet and not given up on; `claimed_until` is the lease (a sender talking to
# SMTP) and the backoff after a failure.
QUEUE = DurableQueue(
    name="outbox",
    id_column=OutboxEmail.id,
    lease=OutboxEmail.claimed_until,
    waiting=OutboxEmail.sent_at.is_(None) & (OutboxEmail.attempts < MAX_ATTEMPTS),
    attempts=OutboxEmail.attempts,
)


async def insert(session: AsyncSession, email: OutboxEmail) -> OutboxEmail:
    session.add(email)
    await session.flush()
    return email


async def list_recent(session: AsyncSession, *, limit: int = 100) -> Sequence[OutboxEmail]:
    rows = await session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit))
    return rows.all()
