"""Group commit for Meta's webhooks: many bodies, one transaction.

Each request hands its verified body to this process's writer and waits for the commit that
holds it, so an answer of 200 still means "stored durably". While one commit is running, the
bodies that arrive meanwhile queue up and go together in the next one: under load a commit
carries as many bodies as arrived during the one before, with no timer and no added delay when
idle (a lone webhook is committed at once, alone). A commit that fails fails every request
whose body was in it, with an error Meta retries (503): a body is never answered 200 and lost.
After a commit the processor of this process is woken; others find the events at their next
poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.errors import Unavailable
from sportello.webhooks import repository as repo

logger = logging.getLogger("sportello.webhooks")
# Bodies per commit at most: bounds one transaction's size (Meta's bodies are at most a few
# hundred kilobytes each) and how long SQLite's single writer is held by it.
MAX_BATCH = 256


@dataclass
class _Received:
    body: bytes
    signed_by: list[int]
    stored: asyncio.Future[None]


class WebhookWriter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._waiting: list[_Received] = []
        self._task: asyncio.Task[None] | None = None
        bind = sessionmaker.kw.get("bind")
        self._one_writer = bind is not None and bind.dialect.name == "sqlite"
        self._turn = asyncio.Lock()

    @property
    def has_waiting(self) -> bool:
        """Bodies are waiting for their commit: a processing batch should end soon."""
        return bool(self._waiting)

    @contextlib.asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """On SQLite (one writer at a time), this process's writes to it take turns here, in
        order of arrival: waiting in SQLite's busy handler instead (a sleep and retry) lets the
        processor's back-to-back batches take the lock again and again while webhooks wait."""
        if not self._one_writer:
            yield
            return
        async with self._turn:
            yield

    async def store(self, body: bytes, signed_by: list[int]) -> None:
        """Return once `body` is committed; raise `Unavailable` when its commit failed."""
        received = _Received(body, signed_by, asyncio.get_running_loop().create_future())
        self._waiting.append(received)
        if self._task is None or self._task.done():
            # A task per burst, not one per process: it ends when nothing is left to write.
            self._task = asyncio.create_task(self._write_all(), name="sportello-webhook-writer")
        # Shielded: a client that hangs up does not cancel the commit the others wait for.
        await asyncio.shield(received.stored)

    async def _write_all(self) -> None:
        while self._waiting:
            try:
                async with self.write_turn():
                    # Taken once it is our turn: what arrived while waiting goes in this commit too.
                    batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                    async with self._sessionmaker() as session:
                        await repo.insert_many(session, [(r.body, r.signed_by) for r in batch])
                        await session.commit()
            except Exception:
                logger.exception("webhook bodies not stored", extra={"count": len(batch)})
                for received in batch:
                    if not received.stored.done():
                        received.stored.set_exception(
                            Unavailable("The webhook could not be stored; send it again.", code="not_stored")
                        )
                continue
            for received in batch:
                if not received.stored.done():
                    received.stored.set_result(None)
            repo.QUEUE.wake()


_writers: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], WebhookWriter] = weakref.WeakKeyDictionary()


def writer_for(sessionmaker: async_sessionmaker[AsyncSession]) -> WebhookWriter:
    """This process's writer to the database `sessionmaker` opens."""
    writer = _writers.get(sessionmaker)
    if writer is None:
        writer = _writers.setdefault(sessionmaker, WebhookWriter(sessionmaker))
    return writer
