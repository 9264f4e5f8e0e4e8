"""Forgets expired handshake tokens and frame sessions in the background, so that no mint or
exchange pays for it. An expired one is already refused by every check (each reads `expires_at`);
this only keeps the tables small."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.credentials import repository as repo
from sportello.kit.background import PruningLoop

BATCH = 1000


class ExpiredCredentialPruner(PruningLoop):
    name = "expired credential pruner"
    # One short transaction per batch keeps each hold of the write lock short.
    batch = BATCH

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], poll_seconds: float = 60.0) -> None:
        super().__init__(sessionmaker, poll_seconds)

    async def prune(self, session: AsyncSession) -> int:
        return await repo.delete_expired(session, now=datetime.now(UTC), batch=BATCH)
