"""Processes stored webhook events in order, after the answer to Meta. An event whose processing
fails is kept as `failed` with its error, to be replayed (`sportello webhooks replay`) once the
cause is fixed; one that needs something not there yet (a status before its message) waits.

Events are taken in batches, oldest first, and a batch is one transaction: claimed in one
statement (`kit.queue`; on PostgreSQL with `SKIP LOCKED`, so several processors share the work),
applied one after the other in id order (Meta's order, so a chat's messages keep theirs), each in
a SAVEPOINT of its own (a failing event is rolled back alone and marked `failed`, the rest go
on), and marked in one statement. A crash anywhere rolls the whole batch back, claim included:
nothing is half applied, nothing applied twice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.queue import QueueLoop, backoff
from sportello.webhooks import repository as repo
from sportello.webhooks.models import WebhookEvent, WebhookState

logger = logging.getLogger("sportello.webhooks")
# Only a bound for a processor that dies without rolling back (its connection kept open): the
# claim is part of the batch's transaction, so a crash rolls it back at once.
CLAIM_HOLD = timedelta(seconds=60)
MAX_DEFERRALS = 12
# Events per transaction: more is fewer commits, but on SQLite the batch holds the one write
# lock while it runs, and incoming webhooks wait for it.
BATCH_SIZE = 50


class Deferred(Exception):
    """Raised by a flow when the event refers to something not stored yet."""


@dataclass(frozen=True)
class ClaimedEvent:
    """A stored event as the processor hands it to a flow."""

    id: int
    body: bytes
    signed_by: list[int] | None
    attempts: int


# Applies an event; returns what the operator should read in its `error` ("" when nothing), e.g.
# the entries it did not apply.
ApplyEvent = Callable[[AsyncSession, ClaimedEvent], Awaitable[str]]


async def process_pending(
    sessionmaker: async_sessionmaker[AsyncSession], apply: ApplyEvent, *, limit: int = BATCH_SIZE
) -> int:
    """Apply one batch of due events in one transaction; returns how many were claimed (0 when
    none was due)."""
    async with unit_of_work(sessionmaker) as session:
        rows = await repo.QUEUE.claim(
            session,
            limit=limit,
            hold=CLAIM_HOLD,
            columns=(WebhookEvent.body, WebhookEvent.signed_by, WebhookEvent.attempts),
        )
        processed: list[int] = []
        marked: list[dict[str, Any]] = []
        for row in rows:
            event = ClaimedEvent(id=int(row[0]), body=bytes(row[1]), signed_by=row[2], attempts=int(row[3]))
            try:
                async with session.begin_nested():
                    note = await apply(session, event)
            except Deferred as wait:
                state = WebhookState.FAILED if event.attempts >= MAX_DEFERRALS else WebhookState.RECEIVED
                await repo.QUEUE.retry_later(
                    session, event.id, delay=backoff(event.attempts), state=state, error=str(wait)[:2000]
                )
            except Exception as exc:
                logger.exception("webhook event failed", extra={"event_id": event.id})
                error = f"{type(exc).__name__}: {exc}"[:2000]
                marked.append({"id": event.id, "state": WebhookState.FAILED, "error": error, "processed_at": None})
            else:
                if note:
                    marked.append(
                        {"id": event.id, "state": WebhookState.PROCESSED, "error": note[:2000], "processed_at": None}
                    )
                else:
                    processed.append(event.id)
        now = datetime.now(UTC)
        await repo.QUEUE.finish(session, processed, state=WebhookState.PROCESSED, processed_at=now, error="")
        for mark in marked:
            if mark["state"] is WebhookState.PROCESSED:
                mark["processed_at"] = now
        await repo.QUEUE.finish_each(session, marked)
    return len(rows)


def wake_local_processors() -> None:
    repo.QUEUE.wake()


class WebhookProcessor(QueueLoop):
    name = "webhook-processor"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], apply: ApplyEvent, poll_seconds: float) -> None:
        super().__init__(repo.QUEUE, poll_seconds)
        self._sessionmaker = sessionmaker
        self._apply = apply

    async def round(self) -> int:
        return await process_pending(self._sessionmaker, self._apply)
