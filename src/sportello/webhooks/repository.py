"""Every query of raw webhook events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.webhooks.models import WebhookEvent, WebhookState


async def insert(session: AsyncSession, event: WebhookEvent) -> WebhookEvent:
    session.add(event)
    await session.flush()
    return event


async def list_due_ids(session: AsyncSession, *, now: datetime, limit: int = 50) -> Sequence[int]:
    rows = await session.scalars(
        select(WebhookEvent.id)
        .where(
            WebhookEvent.state == WebhookState.RECEIVED,
            or_(WebhookEvent.claimed_until.is_(None), WebhookEvent.claimed_until < now),
        )
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    return rows.all()


async def claim(session: AsyncSession, event_id: int, *, now: datetime, hold: timedelta) -> WebhookEvent | None:
    claimed = await session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.id == event_id,
            WebhookEvent.state == WebhookState.RECEIVED,
            or_(WebhookEvent.claimed_until.is_(None), WebhookEvent.claimed_until < now),
        )
        .values(claimed_until=now + hold, attempts=WebhookEvent.attempts + 1)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(WebhookEvent, event_id, populate_existing=True)


async def reset_for_replay(
    session: AsyncSession, *, event_ids: Sequence[int] | None = None, states: Sequence[WebhookState] = ()
) -> int:
    query = update(WebhookEvent).values(state=WebhookState.RECEIVED, claimed_until=None, attempts=0, error="")
    if event_ids is not None:
        query = query.where(WebhookEvent.id.in_(event_ids))
    if states:
        query = query.where(WebhookEvent.state.in_(states))
    result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    from sqlalchemy import func

    rows = await session.execute(select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state))
    return {str(state): int(count) for state, count in rows.all()}
