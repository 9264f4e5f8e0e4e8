"""One unit of work per request, job or CLI command.

Services only flush; the owner of the unit commits on success and rolls back on error. Side
effects (live events, emails, sends) are registered with `after_commit` and run only once the
commit has succeeded, so a rollback never leaves a ghost behind."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.errors import SportelloError

logger = logging.getLogger(__name__)
T = TypeVar("T")

AfterCommit = Callable[[], Awaitable[None] | None]
BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
_BEFORE_KEY = "sportello.before_commit"
_KEY = "sportello.after_commit"
_ONCE_KEY = "sportello.after_commit_once"
_KEEP_KEY = "sportello.keep_on_refusal"
TX_PREFIX = "sportello.tx."


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` after this session's transaction commits; dropped on rollback."""
    session.info.setdefault(_KEY, []).append(callback)


def after_commit_once(session: AsyncSession, key: str, callback: AfterCommit) -> None:
    """Like `after_commit`, but a second callback under the same `key` in this transaction is
    dropped: many changes, one notice."""
    keys: set[str] = session.info.setdefault(_ONCE_KEY, set())
    if key not in keys:
        keys.add(key)
        after_commit(session, callback)


def transaction_info(session: AsyncSession, key: str, factory: Callable[[], T]) -> T:
    """What this transaction keeps under `key` (made by `factory` at first use): gone when it
    commits or rolls back, so the next transaction of the same session starts without it."""
    return session.info.setdefault(TX_PREFIX + key, factory())  # type: ignore[no-any-return]


def _forget_transaction(session: AsyncSession) -> None:
    for key in [key for key in session.info if isinstance(key, str) and key.startswith(TX_PREFIX)]:
        del session.info[key]


def before_commit_once(session: AsyncSession, key: str, callback: BeforeCommit) -> None:
    """Run `callback(session)` once, last thing in this transaction before it commits (it may
    still read and write: live events are rendered and numbered there); dropped on rollback."""
    steps: dict[str, BeforeCommit] = session.info.setdefault(_BEFORE_KEY, {})
    steps.setdefault(key, callback)


def keep_on_refusal(session: AsyncSession) -> None:
    """Commit what this transaction has flushed even when the unit ends in a refusal (a
    `SportelloError`): for a refusal that must leave a trace, such as a handshake token used up
    by a wrong presentation. Any other error still rolls everything back."""
    session.info[_KEEP_KEY] = True


async def commit(session: AsyncSession) -> None:
    """Run the last steps of the transaction, commit, then run its side effects."""
    steps: dict[str, BeforeCommit] = session.info.pop(_BEFORE_KEY, {})
    for step in steps.values():
        await step(session)
    await session.commit()
    _forget_transaction(session)
    session.info.pop(_ONCE_KEY, None)
    session.info.pop(_KEEP_KEY, None)
    callbacks: list[AfterCommit] = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            result = callback()
            if result is not None:
                await result
        except Exception:
            # The transaction is durable; a failed side effect must not turn it into an error.
            logger.exception("after-commit side effect failed")


async def rollback(session: AsyncSession) -> None:
    _forget_transaction(session)
    session.info.pop(_BEFORE_KEY, None)
    session.info.pop(_KEY, None)
    session.info.pop(_ONCE_KEY, None)
    session.info.pop(_KEEP_KEY, None)
    await session.rollback()


async def end_with_error(session: AsyncSession, error: BaseException) -> None:
    """How a unit of work ends when `error` escapes it: rolled back, unless a service asked with
    `keep_on_refusal` and the error is a refusal."""
    if session.info.get(_KEEP_KEY) and isinstance(error, SportelloError):
        await commit(session)
    else:
        await rollback(session)


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException as error:
            await end_with_error(session, error)
            raise
        else:
            await commit(session)
