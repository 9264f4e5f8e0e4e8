"""Group commit for Meta's webhooks (`kit.group_commit`): many bodies, one transaction, one
executemany.

Each request hands its verified body to this process's writer and waits for the commit that
holds it, so an answer of 200 still means "stored durably". A commit that fails fails every
request whose body was in it, with an error Meta retries (503): a body is never answered 200
and lost. After a commit the processor of this process is woken; others find the events at
their next poll."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.errors import Unavailable
from sportello.kit.group_commit import GroupCommit, write_turn_for
from sportello.webhooks import repository as repo

# Bodies per commit at most: bounds one transaction's size (Meta's bodies are at most a few
# hundred kilobytes each) and how long SQLite's single writer is held by it.
MAX_BATCH = 256

Received = tuple[bytes, list[int]]  # (body, the numbers whose app secret signed it)


async def _insert(session: AsyncSession, received: Sequence[Received]) -> list[None]:
    await repo.insert_many(session, received)
    return [None] * len(received)


def _not_stored(_error: Exception) -> Exception:
    return Unavailable("The webhook could not be stored; send it again.", code="not_stored")


class WebhookWriter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        # The processor and the sender of this process take turns with this writer at SQLite's
        # one write lock.
        self.write_turn = write_turn_for(sessionmaker)
        self._commits: GroupCommit[Received, None] = GroupCommit(
            sessionmaker,
            _insert,
            name="webhook-writer",
            max_batch=MAX_BATCH,
            failed=_not_stored,
            after_commit=repo.QUEUE.wake,
            turn=self.write_turn,
        )

    @property
    def has_waiting(self) -> bool:
        """Bodies are waiting for their commit: a processing batch should end soon."""
        return self._commits.has_waiting

    async def store(self, body: bytes, signed_by: list[int]) -> None:
        """Return once `body` is committed; raise `Unavailable` when its commit failed."""
        await self._commits.submit((body, signed_by))


_writers: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], WebhookWriter] = weakref.WeakKeyDictionary()


def writer_for(sessionmaker: async_sessionmaker[AsyncSession]) -> WebhookWriter:
    """This process's writer to the database `sessionmaker` opens."""
    writer = _writers.get(sessionmaker)
    if writer is None:
        writer = _writers.setdefault(sessionmaker, WebhookWriter(sessionmaker))
    return writer
