"""Drops live events old enough that no page can still be waiting for them (a page that comes
back later than that is told to fetch everything again)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.background import PollingLoop
from sportello.realtime import service


class LiveEventPruner(PollingLoop):
    name = "live event pruner"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float = 3600.0) -> None:
        super().__init__(poll_seconds)
        self._sessionmaker = sessionmaker

    async def round(self) -> int:
        async with unit_of_work(self._sessionmaker) as session:
            await service.prune(session)
        # One pass an hour is enough: never a burst.
        return 0
