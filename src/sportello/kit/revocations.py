"""Announcing that sessions ended: a new private key, a revoked API key, a removed user, a changed
role. Open live sockets of those users look at their session again at once (within a second, in
every process, through the live bus) instead of at their next periodic check.

It lives below every domain because the functions that end sessions (accounts, credentials) sit
below the realtime layer that owns the bus: they find the bus in the session's `info`, as live
events do, and never import it. The notice names ids only, never a secret; a listener that hears
it asks the database, so a forged or stale notice can close nothing that is still valid."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.db.unit_of_work import after_commit

# Where a unit of work finds the live bus (set by the app and the worker when they build the sessionmaker).
LIVE_BUS_SESSION_KEY = "sportello.live_bus"


@dataclass(frozen=True)
class Revocation:
    """Whose sessions to look at again: every session of `user_ids`, every frame of `api_key_ids`."""

    user_ids: frozenset[int] = field(default_factory=frozenset)
    api_key_ids: frozenset[int] = field(default_factory=frozenset)

    def to_json(self) -> str:
        return json.dumps({"user_ids": sorted(self.user_ids), "api_key_ids": sorted(self.api_key_ids)})

    @classmethod
    def from_json(cls, text: str | bytes) -> Revocation:
        """Raises `ValueError` on anything but the shape `to_json` writes."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a revocation is an object")

        def ids(name: str) -> frozenset[int]:
            values = data.get(name, [])
            if not isinstance(values, list) or not all(type(v) is int for v in values):
                raise ValueError(f"{name} is a list of ids")
            return frozenset(values)

        return cls(user_ids=ids("user_ids"), api_key_ids=ids("api_key_ids"))


class RevocationBus(Protocol):
    async def revoke(self, revocation: Revocation) -> None: ...


def announce_after_commit(
    session: AsyncSession, *, user_ids: frozenset[int] = frozenset(), api_key_ids: frozenset[int] = frozenset()
) -> None:
    """After this transaction commits (never before: a rollback must not close a valid session,
    and a listener that looks too early would still find the old rows), tell every process."""
    bus: RevocationBus | None = session.info.get(LIVE_BUS_SESSION_KEY)
    if bus is None:
        return
    revocation = Revocation(user_ids=user_ids, api_key_ids=api_key_ids)

    async def announce() -> None:
        await bus.revoke(revocation)

    after_commit(session, announce)
