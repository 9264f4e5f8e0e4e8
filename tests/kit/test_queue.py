"""The durable queue over a table (here the outbox): a claim takes the oldest due rows once, a
lease keeps others off them until it expires, a release gives them back, a failure waits its
backoff; on PostgreSQL two claimers at the same moment take different rows without waiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.queue import backoff
from sportello.mail import service
from sportello.mail.models import OutboxEmail
from sportello.mail.repository import QUEUE

HOLD = timedelta(seconds=60)


async def _queue_emails(sessionmaker: async_sessionmaker[AsyncSession], count: int) -> list[int]:
    async with unit_of_work(sessionmaker) as session:
        for index in range(count):
            await service.enqueue_email(session, to=f"p{index}@example.com", subject="Hi", body="Body")
    async with unit_of_work(sessionmaker) as session:
        return list((await session.scalars(select(OutboxEmail.id).order_by(OutboxEmail.id))).all())


async def _claim(sessionmaker: async_sessionmaker[AsyncSession], limit: int, **kwargs: object) -> list[int]:
    async with unit_of_work(sessionmaker) as session:
        return [int(row[0]) for row in await QUEUE.claim(session, limit=limit, hold=HOLD, **kwargs)]  # type: ignore[arg-type]


async def test_a_claim_takes_the_oldest_due_rows_once_until_released_or_expired(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _queue_emails(sessionmaker, 5)
    assert await _claim(sessionmaker, 3) == ids[:3]
    assert await _claim(sessionmaker, 3) == ids[3:], "claimed rows are not claimed again"
    assert await _claim(sessionmaker, 3) == []
    async with unit_of_work(sessionmaker) as session:
        await QUEUE.release(session, ids[:1])
        attempts = await session.scalar(select(OutboxEmail.attempts).where(OutboxEmail.id == ids[0]))
    assert attempts == 0, "a released row's attempt is not counted"
    assert await _claim(sessionmaker, 3) == ids[:1]
    # A lease that expired (its process died) lets the row be claimed again.
    later = datetime.now(UTC) + HOLD + timedelta(seconds=1)
    assert await _claim(sessionmaker, 10, now=later) == ids


async def test_a_failed_row_waits_its_backoff_and_a_finished_one_is_never_claimed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _queue_emails(sessionmaker, 2)
    assert await _claim(sessionmaker, 2) == ids
    async with unit_of_work(sessionmaker) as session:
        await QUEUE.retry_later(session, ids[0], delay=backoff(1, base=15), last_error="SMTP down")
        await QUEUE.finish(session, ids[1:], sent_at=datetime.now(UTC))
    soon = datetime.now(UTC) + timedelta(seconds=29)
    after = datetime.now(UTC) + timedelta(seconds=31)
    assert await _claim(sessionmaker, 2, now=soon) == []
    assert await _claim(sessionmaker, 2, now=after) == ids[:1]
    assert backoff(30) == timedelta(seconds=300), "capped"


async def test_claimers_at_the_same_moment_take_different_rows_without_waiting(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _queue_emails(sessionmaker, 6)
    if sessionmaker.kw["bind"].dialect.name == "sqlite":
        # One writer at a time: the second claim waits for the first commit, then takes the rest.
        first, second = await asyncio.gather(_claim(sessionmaker, 3), _claim(sessionmaker, 3))
        assert sorted(first + second) == ids
        return
    first_session, second_session = sessionmaker(), sessionmaker()
    try:
        first = [int(r[0]) for r in await QUEUE.claim(first_session, limit=3, hold=HOLD)]
        # The first claim is not committed: its rows are locked, and skipped, not waited for.
        second = [int(r[0]) for r in await asyncio.wait_for(QUEUE.claim(second_session, limit=3, hold=HOLD), 5)]
        await first_session.commit()
        await second_session.commit()
    finally:
        await first_session.close()
        await second_session.close()
    assert first == ids[:3] and second == ids[3:]
