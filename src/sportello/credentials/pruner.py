"""Forgets expired handshake tokens and frame sessions in the background, so that no mint or
exchange pays for it. An expired one is already refused by every check (each reads `expires_at`);
this only keeps the tables small."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.credentials import repository as repo
from sportello.db.unit_of_work import unit_of_work
from sportello.kit.background import PollingLoop

BATCH = 1000


class ExpiredCredentialPruner(PollingLoop):
    name = "expired credential pruner"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float = 60.0) -> None:
        super().__init__(poll_seconds)
        self._sessionmaker = sessionmaker

    async def round(self) -> int:
        """One short transaction per batch; a full batch asks for another round at once."""
        async with unit_of_work(self._sessionmaker) as session:
            forgotten = await repo.delete_expired(session, now=datetime.now(UTC), batch=BATCH)
        return forgotten if forgotten >= BATCH else 0
