"""Forgets expired operator sign-ins in the background, not on each sign-in. An expired one is
already refused (`find_session` reads `expires_at`); this only keeps the table small."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.kit.background import PruningLoop
from sportello.operator_console import repository as repo


class ExpiredOperatorSessionPruner(PruningLoop):
    # Sign-ins are few: one pass clears them all, never a burst.
    name = "expired operator session pruner"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float = 600.0) -> None:
        super().__init__(sessionmaker, poll_seconds)

    async def prune(self, session: AsyncSession) -> int:
        return await repo.delete_expired(session, now=datetime.now(UTC))
