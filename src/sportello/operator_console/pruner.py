"""Forgets expired operator sign-ins in the background, not on each sign-in. An expired one is
already refused (`find_session` reads `expires_at`); this only keeps the table small."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.background import PollingLoop
from sportello.operator_console import repository as repo


class ExpiredOperatorSessionPruner(PollingLoop):
    name = "expired operator session pruner"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float = 600.0) -> None:
        super().__init__(poll_seconds)
        self._sessionmaker = sessionmaker

    async def round(self) -> int:
        async with unit_of_work(self._sessionmaker) as session:
            await repo.delete_expired(session, now=datetime.now(UTC))
        # Sign-ins are few: one pass clears them all, never a burst.
        return 0
