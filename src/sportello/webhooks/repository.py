"""Every query of raw webhook events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.db.base import utcnow
from sportello.kit.queue import DurableQueue
from sportello.webhooks.models import WebhookEvent, WebhookState

# Stored events waiting to be applied; `claimed_until` is the lease, and the backoff of an
# event that waits for something not stored yet.
QUEUE = DurableQueue(
    name="webhook-events",
    id_column=WebhookEvent.id,
    lease=WebhookEvent.claimed_until,
    waiting=WebhookEvent.state == WebhookState.RECEIVED,
    attempts=WebhookEvent.attempts,
)


async def insert_many(session: AsyncSession, received: Sequence[tuple[bytes, list[int]]]) -> None:
    """Store (body, signed_by) pairs in one statement: Core, no ORM objects on the ingest path."""
    now = utcnow()
    await session.execute(
        insert(cast(Table, WebhookEvent.__table__)),
        [
            {
                "body": body,
                "signed_by": signed_by,
                "state": WebhookState.RECEIVED,
                "attempts": 0,
                "error": "",
                "phone_number_id": "",
                "created_at": now,
            }
            for body, signed_by in received
        ],
    )


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
    rows = await session.execute(select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state))
    return {str(state): int(count) for state, count in rows.all()}
