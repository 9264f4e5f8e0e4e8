"""Processes stored webhook events in order, after the answer to Meta. An event whose processing
fails is kept as `failed` with its error, to be replayed (`sportello webhooks replay`) once the
cause is fixed; one that needs something not there yet (a status before its message) waits.

Events are taken in batches, oldest first, and a batch is one transaction: claimed in one
statement (`kit.queue`; on PostgreSQL with `SKIP LOCKED`, so several processors share the work),
applied one after the other in id order (Meta's order, so a chat's messages keep theirs), and
marked in one statement. Should any event of a batch raise, the transaction is rolled back and
the batch applied again in a new one with a SAVEPOINT per event, so a failing event is rolled
back alone and marked `failed` (a deferred one waits), the rest go on. The flows look up what
the whole batch needs before its first event (`EventFlows.prepare`) and write what its events
left pending after the last (`EventFlows.finish`), so the common batch costs the same few
statements for ten events as for a hundred: its new messages are one INSERT, and changes to one
row by several events (a message's sent, delivered, read) one UPDATE. A crash anywhere rolls
the whole batch back, claim included: nothing is half applied, nothing applied twice."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import rollback, unit_of_work
from sportello.kit.queue import QueueLoop, backoff
from sportello.webhooks import repository as repo
from sportello.webhooks.models import WebhookEvent, WebhookState
from sportello.webhooks.writer import WebhookWriter, writer_for

logger = logging.getLogger("sportello.webhooks")
# Only a bound for a processor that dies without rolling back (its connection kept open): the
# claim is part of the batch's transaction, so a crash rolls it back at once.
CLAIM_HOLD = timedelta(seconds=60)
MAX_DEFERRALS = 12
# Events per transaction at most.
BATCH_SIZE = 100
# On SQLite a batch holds the one write lock while it runs, and incoming webhooks wait for it to
# be stored: a batch stops taking events after this long (what it did not reach is released),
# and takes turns with the webhook writer of its process (`WebhookWriter.write_turn`).
SQLITE_BATCH_SECONDS = 0.05
SQLITE_EVENTS_WHEN_WAITING = 20
# What a flow remembers for the rest of its batch (the contacts and chats it resolved), in the
# session's `info`: dropped when an event of the batch is rolled back to its savepoint, since
# what it remembered may be gone with it.
BATCH_MEMO = "sportello.webhooks.batch_memo"


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


async def _nothing_to_prepare(session: AsyncSession, events: Sequence[ClaimedEvent]) -> None:
    return None


async def _nothing_to_finish(session: AsyncSession) -> None:
    return None


@dataclass(frozen=True)
class EventFlows:
    """What the processor runs. `apply` applies one event; `prepare` runs once per batch before
    the first `apply`, to look up in a few statements what the events would each ask for;
    `finish` runs after the last `apply` of a batch (or of each event applied alone), to write
    what the applied events left pending. All three share the batch's session."""

    apply: ApplyEvent
    prepare: Callable[[AsyncSession, Sequence[ClaimedEvent]], Awaitable[None]] = _nothing_to_prepare
    finish: Callable[[AsyncSession], Awaitable[None]] = _nothing_to_finish


async def process_pending(
    sessionmaker: async_sessionmaker[AsyncSession], flows: EventFlows | ApplyEvent, *, limit: int = BATCH_SIZE
) -> int:
    """Apply one batch of due events in one transaction; returns how many it settled (processed,
    failed or deferred; 0 when none was due)."""
    if not isinstance(flows, EventFlows):
        flows = EventFlows(apply=flows)
    writer = writer_for(sessionmaker)
    async with writer.write_turn(), unit_of_work(sessionmaker) as session:
        events = await _claim(session, limit)
        sqlite = session.get_bind().dialect.name == "sqlite"
        outcomes = await _apply_together(session, flows, events, writer if sqlite else None)
        if outcomes is not None:
            await repo.QUEUE.release(session, [event.id for event in events[len(outcomes) :]])
            await _settle(session, events, outcomes)
            return len(outcomes)
        await rollback(session)
    # Something in the batch failed or must wait: the batch again, each event on its own.
    async with writer.write_turn(), unit_of_work(sessionmaker) as session:
        events = await _claim(session, len(events))
        await _settle(session, events, [await _apply_alone(session, flows, event) for event in events])
    return len(events)


async def _claim(session: AsyncSession, limit: int) -> list[ClaimedEvent]:
    rows = await repo.QUEUE.claim(
        session,
        limit=limit,
        hold=CLAIM_HOLD,
        columns=(WebhookEvent.body, WebhookEvent.signed_by, WebhookEvent.attempts),
    )
    return [ClaimedEvent(id=int(row[0]), body=bytes(row[1]), signed_by=row[2], attempts=int(row[3])) for row in rows]


def _time_to_yield(writer: WebhookWriter, done: int, elapsed: float) -> bool:
    """Answering Meta comes first: a batch ends early when webhooks wait to be stored, but not
    before a few events (`SQLITE_EVENTS_WHEN_WAITING`): a batch costs a few statements whatever
    its size, and batches of one under a steady stream would spend the lock on them."""
    if done == 0:
        return False
    return (writer.has_waiting and done >= SQLITE_EVENTS_WHEN_WAITING) or elapsed > SQLITE_BATCH_SECONDS


# (state, error, backoff): PROCESSED with the flow's note, FAILED with the error, or RECEIVED
# again after a backoff (a deferral).
_Outcome = tuple[WebhookState, str, timedelta | None]


async def _apply_together(
    session: AsyncSession, flows: EventFlows, events: list[ClaimedEvent], writer: WebhookWriter | None
) -> list[_Outcome] | None:
    """The common case, cheaply: the batch's events one after the other in its transaction, with
    no savepoint. `None` when one raised (the caller rolls the transaction back). Given the
    `writer` (SQLite), the batch ends early when webhooks wait to be stored; the events it did
    not reach are left out of the returned list, for the next batch."""
    started = time.monotonic()
    outcomes: list[_Outcome] = []
    try:
        await flows.prepare(session, events)
        for event in events:
            if writer is not None and _time_to_yield(writer, len(outcomes), time.monotonic() - started):
                break
            outcomes.append((WebhookState.PROCESSED, await flows.apply(session, event), None))
        await flows.finish(session)
        await session.flush()
    except Exception:
        return None
    return outcomes


async def _apply_alone(session: AsyncSession, flows: EventFlows, event: ClaimedEvent) -> _Outcome:
    try:
        async with session.begin_nested():
            note = await flows.apply(session, event)
            await flows.finish(session)
            return (WebhookState.PROCESSED, note, None)
    except Deferred as wait:
        session.info.pop(BATCH_MEMO, None)
        state = WebhookState.FAILED if event.attempts >= MAX_DEFERRALS else WebhookState.RECEIVED
        return (state, str(wait), backoff(event.attempts))
    except Exception as exc:
        session.info.pop(BATCH_MEMO, None)
        logger.exception("webhook event failed", extra={"event_id": event.id})
        return (WebhookState.FAILED, f"{type(exc).__name__}: {exc}", None)


async def _settle(session: AsyncSession, events: list[ClaimedEvent], outcomes: list[_Outcome]) -> None:
    """One statement for the events processed without a note (nearly all); the rest one by one."""
    now = datetime.now(UTC)
    processed = [
        e.id
        for e, (state, note, _) in zip(events, outcomes, strict=False)
        if (state, note) == (WebhookState.PROCESSED, "")
    ]
    await repo.QUEUE.finish(session, processed, state=WebhookState.PROCESSED, processed_at=now, error="")
    marked: list[dict[str, Any]] = []
    for event, (state, note, wait) in zip(events, outcomes, strict=False):
        if wait is not None:
            await repo.QUEUE.retry_later(session, event.id, delay=wait, state=state, error=note[:2000])
        elif (state, note) != (WebhookState.PROCESSED, ""):
            processed_at = now if state is WebhookState.PROCESSED else None
            marked.append({"id": event.id, "state": state, "error": note[:2000], "processed_at": processed_at})
    await repo.QUEUE.finish_each(session, marked)


def wake_local_processors() -> None:
    repo.QUEUE.wake()


class WebhookProcessor(QueueLoop):
    name = "webhook-processor"

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], flows: EventFlows | ApplyEvent, poll_seconds: float
    ) -> None:
        super().__init__(repo.QUEUE, poll_seconds)
        self._sessionmaker = sessionmaker
        self._flows = flows

    async def round(self) -> int:
        return await process_pending(self._sessionmaker, self._flows)
