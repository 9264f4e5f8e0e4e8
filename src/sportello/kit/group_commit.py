"""Group commit: the writes of many requests at once go in one short transaction, and each
request returns only once the commit that holds its write has succeeded (so a 200 still means
stored). The webhook writer and the handshake's token writes are both this one mechanism.

While one commit runs, the items that arrive meanwhile queue up and go together in the next
one: under load a commit carries as many items as arrived during the one before, with no timer
and no added delay when idle (a lone item is committed at once, alone). The items of a batch
reach the database through one `write_batch` call, so a caller can keep them to a single
executemany.

Why: on SQLite, one connection per request meant one writer per request, each holding the write
lock across the event loop's turns while the others slept in SQLite's busy handler (sleeps of up
to 100 ms), so writes did not scale past one writer's pace. One writer at a time, many rows per
commit, takes that away; on PostgreSQL it is simply fewer commits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work

logger = logging.getLogger("sportello.kit.group_commit")

Item = TypeVar("Item")
Result = TypeVar("Result")
# Writes a batch's items in the open transaction; returns one result per item, in their order.
WriteBatch = Callable[[AsyncSession, Sequence[Item]], Awaitable[Sequence[Result]]]


class WriteTurn:
    """On SQLite (one writer at a time), a process's writers take turns here, in order of
    arrival: waiting in SQLite's busy handler instead (a sleep and retry) lets one writer's
    back-to-back transactions take the lock again and again while the others wait. Elsewhere a
    turn is free."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        bind = sessionmaker.kw.get("bind")
        self._one_writer = bind is not None and bind.dialect.name == "sqlite"
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        if not self._one_writer:
            yield
            return
        async with self._lock:
            yield


_turns: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], WriteTurn] = weakref.WeakKeyDictionary()


def write_turn_for(sessionmaker: async_sessionmaker[AsyncSession]) -> WriteTurn:
    """This process's turn at the database `sessionmaker` opens: shared by its background
    writers (the webhook writer and processor, the sender), whose transactions are short and
    frequent enough that waiting in SQLite's busy handler stalled them."""
    turn = _turns.get(sessionmaker)
    if turn is None:
        turn = _turns.setdefault(sessionmaker, WriteTurn(sessionmaker))
    return turn


@dataclass
class _Waiting(Generic[Item, Result]):
    item: Item
    done: asyncio.Future[Result]


class GroupCommit(Generic[Item, Result]):
    """`retry_alone`: when a batch fails, each of its items is written again in a transaction of
    its own, so only the item at fault fails (its writes must be safe to run again). Otherwise
    every item of a failed batch fails with `failed(error)`. `after_commit` runs after each
    successful commit (e.g. to wake a queue's consumers)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_batch: WriteBatch[Item, Result],
        *,
        name: str,
        max_batch: int = 256,
        retry_alone: bool = False,
        failed: Callable[[Exception], Exception] = lambda error: error,
        after_commit: Callable[[], None] | None = None,
        turn: WriteTurn | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._write_batch = write_batch
        self._name = name
        self._max_batch = max_batch
        self._retry_alone = retry_alone
        self._failed = failed
        self._after_commit = after_commit
        self._turn = turn
        self._waiting: list[_Waiting[Item, Result]] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def has_waiting(self) -> bool:
        """Items are waiting for their commit."""
        return bool(self._waiting)

    async def submit(self, item: Item) -> Result:
        """Return `item`'s result once its commit has succeeded; raise when it failed."""
        waiting: _Waiting[Item, Result] = _Waiting(item, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if self._task is None or self._task.done():
            # A task per burst, not one per process: it ends when nothing is left to write.
            self._task = asyncio.create_task(self._write_all(), name=f"sportello-{self._name}")
        # Shielded: a client that hangs up does not cancel the commit the others wait for.
        return await asyncio.shield(waiting.done)

    async def _write_all(self) -> None:
        while self._waiting:
            async with self._turn() if self._turn is not None else contextlib.nullcontext():
                # Taken once it is our turn: what arrived while waiting goes in this commit too.
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                error = await self._commit(batch)
            if error is None:
                continue
            if self._retry_alone and len(batch) > 1:
                for waiting in batch:
                    async with self._turn() if self._turn is not None else contextlib.nullcontext():
                        alone_error = await self._commit([waiting])
                    if alone_error is not None:
                        self._fail([waiting], alone_error)
            else:
                logger.error("%s: batch not stored", self._name, exc_info=error, extra={"count": len(batch)})
                self._fail(batch, error)

    async def _commit(self, batch: list[_Waiting[Item, Result]]) -> Exception | None:
        try:
            async with unit_of_work(self._sessionmaker) as session:
                results = await self._write_batch(session, [waiting.item for waiting in batch])
        except Exception as error:
            return error
        for waiting, result in zip(batch, results, strict=True):
            if not waiting.done.done():
                waiting.done.set_result(result)
        if self._after_commit is not None:
            self._after_commit()
        return None

    def _fail(self, batch: list[_Waiting[Item, Result]], error: Exception) -> None:
        for waiting in batch:
            if not waiting.done.done():
                waiting.done.set_exception(self._failed(error))
