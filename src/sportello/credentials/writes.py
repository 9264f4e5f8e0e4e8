"""The handshake's writes (the tokens minted, the tokens exchanged) by many requests at once,
in one short transaction (`kit.group_commit`): each request answers only once the commit that
holds its write has succeeded, so a 200 still means stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.kit.group_commit import GroupCommit

T = TypeVar("T")
Write = Callable[[AsyncSession], Awaitable[Any]]


async def _each(session: AsyncSession, writes: Sequence[Write]) -> list[Any]:
    return [await write(session) for write in writes]


class TokenWrites:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        # A failed batch is written again write by write, so only the write at fault fails.
        self._commits: GroupCommit[Write, Any] = GroupCommit(
            sessionmaker, _each, name="credential-writes", retry_alone=True
        )

    async def run(self, write: Callable[[AsyncSession], Awaitable[T]], *, ending_reads_of: AsyncSession) -> T:
        """Run `write` in the next group transaction; returns its result once that commits.
        `write` only executes statements: it must be safe to run again alone (it is, when its
        batch fails and every write of the batch is retried on its own).

        `ending_reads_of` is the request's own session, which has only read: its transaction
        ends first, so its connection is back in the pool while the request waits. Otherwise
        as many waiting requests as the pool has connections would hold every one of them, and
        the group transaction could never start."""
        await ending_reads_of.commit()
        return cast(T, await self._commits.submit(write))
