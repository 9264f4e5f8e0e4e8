"""Processes stored webhook events in order, after the answer to Meta. An event whose processing
fails is kept as `failed` with its error, to be replayed (`sportello webhooks replay`) once the
cause is fixed; one that needs something not there yet (a status before its message) waits."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.background import PollingLoop
from sportello.webhooks import repository as repo
from sportello.webhooks.models import WebhookEvent, WebhookState

logger = logging.getLogger("sportello.webhooks")
CLAIM_HOLD = timedelta(seconds=60)
MAX_DEFERRALS = 12


class Deferred(Exception):
    """Raised by a flow when the event refers to something not stored yet."""


# Applies an event; returns what the operator should read in its `error` ("" when nothing), e.g.
# the entries it did not apply.
ApplyEvent = Callable[[AsyncSession, WebhookEvent], Awaitable[str]]


async def process_pending(sessionmaker: async_sessionmaker[AsyncSession], apply: ApplyEvent) -> int:
    """Process what is due; returns how many events were finished."""
    async with unit_of_work(sessionmaker) as session:
        due = await repo.list_due_ids(session, now=datetime.now(UTC))
    done = 0
    for event_id in due:
        async with unit_of_work(sessionmaker) as session:
            event = await repo.claim(session, event_id, now=datetime.now(UTC), hold=CLAIM_HOLD)
        if event is None:
            continue
        try:
            async with unit_of_work(sessionmaker) as session:
                note = await apply(session, event)
                stored = await session.get(WebhookEvent, event_id)
                assert stored is not None
                stored.state = WebhookState.PROCESSED
                stored.processed_at = datetime.now(UTC)
                stored.error = note[:2000]
            done += 1
        except Deferred as wait:
            async with unit_of_work(sessionmaker) as session:
                stored = await session.get(WebhookEvent, event_id)
                if stored is not None:
                    if stored.attempts >= MAX_DEFERRALS:
                        stored.state = WebhookState.FAILED
                    stored.error = str(wait)
                    stored.claimed_until = datetime.now(UTC) + timedelta(seconds=min(300, 2**stored.attempts))
        except Exception as exc:
            logger.exception("webhook event failed", extra={"event_id": event_id})
            async with unit_of_work(sessionmaker) as session:
                stored = await session.get(WebhookEvent, event_id)
                if stored is not None:
                    stored.state = WebhookState.FAILED
                    stored.error = f"{type(exc).__name__}: {exc}"[:2000]
    return done


_running: weakref.WeakSet[WebhookProcessor] = weakref.WeakSet()


def wake_local_processors() -> None:
    for processor in list(_running):
        processor.wake()


class WebhookProcessor(PollingLoop):
    name = "webhook-processor"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], apply: ApplyEvent, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self._sessionmaker = sessionmaker
        self._apply = apply
        _running.add(self)

    async def round(self) -> int:
        return await process_pending(self._sessionmaker, self._apply)
