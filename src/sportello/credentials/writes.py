"""Group commit for the handshake's writes: the tokens minted and the tokens exchanged by many
requests at once are written in one short transaction, and each request answers only once the
commit that holds its write has succeeded (so a 200 still means stored).

Why: on SQLite, one connection per request meant one writer per request, each holding the write
lock across the event loop's turns while the others slept in SQLite's busy handler (sleeps of up
to 100 ms), so minting did not scale past one writer's pace. One writer at a time, many rows per
commit, takes that away; on PostgreSQL it is simply fewer commits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work

T = TypeVar("T")
Write = Callable[[AsyncSession], Awaitable[Any]]
_MAX_BATCH = 256


class GroupCommit:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._pending: list[tuple[Write, asyncio.Future[Any]]] = []
        self._drain: asyncio.Task[None] | None = None

    async def run(self, write: Callable[[AsyncSession], Awaitable[T]], *, ending_reads_of: AsyncSession) -> T:
        """Run `write` in the next group transaction; returns its result once that commits.
        `write` only executes statements: it must be safe to run again alone (it is, when its
        batch fails and every write of the batch is retried on its own).

        `ending_reads_of` is the request's own session, which has only read: its transaction
        ends first, so its connection is back in the pool while the request waits. Otherwise
        as many waiting requests as the pool has connections would hold every one of them, and
        the group transaction could never start."""
        await ending_reads_of.commit()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        if self._drain is None:
            self._drain = asyncio.create_task(self._run_pending(), name="sportello-credential-writes")
        return await future

    async def _run_pending(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:_MAX_BATCH], self._pending[_MAX_BATCH:]
                if not await self._commit(batch) and len(batch) > 1:
                    # One write failed the batch: each goes again on its own, so only it fails.
                    for item in batch:
                        await self._commit([item])
        finally:
            self._drain = None

    async def _commit(self, batch: list[tuple[Write, asyncio.Future[Any]]]) -> bool:
        results: list[Any] = []
        try:
            async with unit_of_work(self._sessionmaker) as session:
                for write, _ in batch:
                    results.append(await write(session))
        except Exception as error:
            if len(batch) == 1 and not batch[0][1].done():
                batch[0][1].set_exception(error)
            return False
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
        return True
