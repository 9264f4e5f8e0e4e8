"""Drops live events old enough that no page can still be waiting for them (a page that comes
back later than that is told to fetch everything again)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.kit.background import PruningLoop
from sportello.realtime import service


class LiveEventPruner(PruningLoop):
    # One pass an hour is enough: never a burst.
    name = "live event pruner"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float = 3600.0) -> None:
        super().__init__(sessionmaker, poll_seconds)

    async def prune(self, session: AsyncSession) -> int:
        return await service.prune(session)
