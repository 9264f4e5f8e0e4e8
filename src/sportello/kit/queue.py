"""A durable work queue over a table: the rows are the jobs, so a crash loses none.

Every queue of Sportello (webhook events to apply, inbound media to fetch, email to send, read
receipts and messages to send to Meta) has the same shape, described once here:

- A row is *waiting* when `waiting` holds (e.g. `state = 'received'`, `sent_at IS NULL`) and its
  lease column (`claimed_until`, `next_attempt_at`) is empty or in the past.
- `claim` takes up to `limit` waiting rows, oldest id first, in **one statement**:
  `UPDATE t SET lease = now + hold, attempts = attempts + 1 WHERE id IN (SELECT id FROM t WHERE
  <waiting and due> ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED) RETURNING <columns>`. On
  PostgreSQL `SKIP LOCKED` lets several processes claim side by side without waiting on each
  other or taking the same row; SQLite has one writer at a time, so it needs no lock clause
  (SQLAlchemy leaves it out there) and the same statement serves both.
  The rows come back sorted by id.
- What the claim protects depends on where the work is done:
  * work that talks to the outside (SMTP, Meta) commits the claim first, then works outside
    any transaction, then records the outcome in a short transaction of its own. The lease
    (`hold`) is what keeps another process off the row meanwhile; a crash leaves the lease to
    expire and the row is claimed again. Such work must be safe to repeat, or (like the sender
    to Meta) recognise its own earlier attempt.
  * work that only writes to the database (applying webhook events) claims, works and marks
    in **one** transaction: a crash rolls the claim back with the work, so nothing is applied
    twice and no lease has to expire; on PostgreSQL the claimed rows stay locked until commit.
- `finish(session, ids, **values)` marks many rows done in one statement; `retry_later`
  puts one row back with a backoff (`backoff(attempts)`: base·2^attempts, capped) and its
  error; `release(session, ids)` gives rows back untouched (their attempt not counted), e.g.
  when a process stops before working on what it claimed.
- `wake_after_commit(session)` wakes this process's loops of the queue once the transaction
  that queued work commits (and not at all when it rolls back); other processes find the work
  at their next poll (`PollingLoop`'s interval).

A worker is a `QueueLoop` (a `PollingLoop` registered with its queue so that `wake` reaches it)
whose `round` claims a batch and works on it, returning how many rows it took (0 ends a burst).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from sportello.db.unit_of_work import after_commit
from sportello.kit.background import PollingLoop


def backoff(attempts: int, *, base: float = 1.0, cap: float = 300.0) -> timedelta:
    """base·2^attempts seconds, at most `cap`: how long a failed job waits before its next try."""
    return timedelta(seconds=min(cap, base * 2 ** min(attempts, 30)))


class DurableQueue:
    """One table seen as a queue; see the module's docstring for the protocol."""

    def __init__(
        self,
        *,
        name: str,
        id_column: InstrumentedAttribute[int],
        lease: InstrumentedAttribute[Any],
        waiting: ColumnElement[bool],
        attempts: InstrumentedAttribute[int] | None = None,
    ) -> None:
        self.name = name
        self._id = id_column
        self._lease = lease
        self._waiting = waiting
        self._attempts = attempts
        self._table = id_column.class_.__table__
        self._loops: weakref.WeakSet[PollingLoop] = weakref.WeakSet()

    def _due(self, now: datetime) -> ColumnElement[bool]:
        return self._waiting & or_(self._lease.is_(None), self._lease < now)

    async def claim(
        self,
        session: AsyncSession,
        *,
        limit: int,
        hold: timedelta,
        columns: Sequence[InstrumentedAttribute[Any]] = (),
        now: datetime | None = None,
    ) -> list[tuple[Any, ...]]:
        """Claim up to `limit` due rows (oldest first) in one statement; returns their `id` and
        `columns`, sorted by id. The claim is part of `session`'s transaction."""
        now = now or datetime.now(UTC)
        due_ids = (
            select(self._id).where(self._due(now)).order_by(self._id).limit(limit).with_for_update(skip_locked=True)
        )
        values: dict[Any, Any] = {self._lease: now + hold}
        if self._attempts is not None:
            values[self._attempts] = self._attempts + 1
        statement = (
            update(self._table)
            .where(self._table.c[self._id.key].in_(due_ids.scalar_subquery()))
            .values({column.key: value for column, value in values.items()})
            .returning(self._table.c[self._id.key], *(self._table.c[c.key] for c in columns))
        )
        rows = [tuple(row) for row in (await session.execute(statement)).all()]
        rows.sort(key=lambda row: int(row[0]))
        return rows

    async def finish(self, session: AsyncSession, ids: Sequence[int], **values: Any) -> None:
        """Mark `ids` done with the same `values`, in one statement (the lease is cleared)."""
        if ids:
            await session.execute(
                update(self._table)
                .where(self._table.c[self._id.key].in_(list(ids)))
                .values({self._lease.key: None, **values})
            )

    async def finish_each(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        """Mark rows done with values of their own (each dict has `id` and the same other keys):
        one statement, executed for many parameter sets."""
        if not rows:
            return
        keys = [key for key in rows[0] if key != "id"]
        statement = (
            update(self._table)
            .where(self._table.c[self._id.key] == bindparam("row_id"))
            .values({self._lease.key: None, **{key: bindparam(f"row_{key}") for key in keys}})
        )
        await session.execute(
            statement,
            [{"row_id": row["id"], **{f"row_{key}": row[key] for key in keys}} for row in rows],
            execution_options={"synchronize_session": False},
        )

    async def retry_later(self, session: AsyncSession, row_id: int, *, delay: timedelta, **values: Any) -> None:
        """Put one row back, due again after `delay`, with `values` (its error, say)."""
        await session.execute(
            update(self._table)
            .where(self._table.c[self._id.key] == row_id)
            .values({self._lease.key: datetime.now(UTC) + delay, **values})
        )

    async def release(self, session: AsyncSession, ids: Sequence[int]) -> None:
        """Give claimed rows back at once, their attempt not counted."""
        if not ids:
            return
        values: dict[str, Any] = {self._lease.key: None}
        if self._attempts is not None:
            values[self._attempts.key] = self._attempts - 1
        await session.execute(update(self._table).where(self._table.c[self._id.key].in_(list(ids))).values(values))

    def register(self, loop: PollingLoop) -> None:
        self._loops.add(loop)

    def wake(self) -> None:
        """Wake this process's loops of the queue now (they poll anyway)."""
        for loop in list(self._loops):
            loop.wake()

    def wake_after_commit(self, session: AsyncSession) -> None:
        """Wake this process's loops once `session`'s transaction commits; never on rollback."""
        after_commit(session, self.wake)


class QueueLoop(PollingLoop):
    """A `PollingLoop` working on one `DurableQueue`: a commit that queues work wakes it."""

    def __init__(self, queue: DurableQueue, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.queue = queue
        queue.register(self)
