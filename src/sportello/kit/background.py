"""A background loop of one process: it repeats a round of work while the round finds some,
then sleeps until woken (after a commit that queued work) or until its poll interval passes."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work

logger = logging.getLogger("sportello.background")


class PollingLoop:
    name = "background loop"

    def __init__(self, poll_seconds: float) -> None:
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def round(self) -> int:
        """One round of work; returns how much it did (0 ends the burst)."""
        raise NotImplementedError

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"sportello-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await self.round():
                    pass
            except Exception:
                logger.exception("%s round failed", self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)


class PruningLoop(PollingLoop):
    """Deletes what no check needs any more (expired rows are already refused where they are read),
    in one short transaction a round, so no request pays for it."""

    # When set, a round deletes at most this many rows and one that deleted a whole batch is
    # followed at once by another; when not, one round clears everything.
    batch: int | None = None

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self._sessionmaker = sessionmaker

    async def prune(self, session: AsyncSession) -> int:
        """Delete one round's rows; returns how many went."""
        raise NotImplementedError

    async def round(self) -> int:
        async with unit_of_work(self._sessionmaker) as session:
            forgotten = await self.prune(session)
        return forgotten if self.batch is not None and forgotten >= self.batch else 0
