"""Failed-attempt limits on credential checks (login, handshake).

Counters live in the database, so a limit holds across processes and restarts."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.errors import RateLimited
from sportello.kit.models import ThrottleCounter


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_seconds: int


def _window(limit: Limit, now: float) -> int:
    return int(now // limit.window_seconds) * limit.window_seconds


async def ensure_not_throttled(
    session: AsyncSession, keys: list[str], limit: Limit, *, message: str, now: float | None = None
) -> None:
    """Raise `RateLimited` when any of `keys` has used up its failed attempts in this window."""
    current = now if now is not None else time.time()
    window = _window(limit, current)
    rows = await session.scalars(
        select(ThrottleCounter).where(ThrottleCounter.key.in_(keys), ThrottleCounter.window_start == window)
    )
    for row in rows:
        if row.count >= limit.attempts:
            raise RateLimited(
                message,
                retry_after=int(window + limit.window_seconds - current) + 1,
                code="too_many_attempts",
            )


async def record_failure(session: AsyncSession, keys: list[str], limit: Limit, *, now: float | None = None) -> None:
    """Count one failed attempt against each key.

    The count is committed on a session of its own: the caller's transaction is about to roll
    back (the attempt failed), and that rollback must not erase the count."""
    current = now if now is not None else time.time()
    window = _window(limit, current)
    async with AsyncSession(session.bind) as own:
        for key in keys:
            bumped = await own.execute(
                update(ThrottleCounter)
                .where(ThrottleCounter.key == key, ThrottleCounter.window_start == window)
                .values(count=ThrottleCounter.count + 1)
            )
            if bumped.rowcount == 0:  # type: ignore[attr-defined]
                try:
                    async with own.begin_nested():
                        own.add(ThrottleCounter(key=key, window_start=window, count=1))
                except IntegrityError:
                    await own.execute(
                        update(ThrottleCounter)
                        .where(ThrottleCounter.key == key, ThrottleCounter.window_start == window)
                        .values(count=ThrottleCounter.count + 1)
                    )
        await own.execute(delete(ThrottleCounter).where(ThrottleCounter.window_start < window - 86_400))
        await own.commit()
