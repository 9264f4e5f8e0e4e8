"""Group commit: requests that arrive while a commit runs share the next one (one write_batch
call each), each returns only once its own commit has succeeded, and a failed batch fails its
requests (or, with retry_alone, only the one at fault)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.kit.group_commit import GroupCommit, WriteTurn


async def test_items_arriving_together_share_one_commit_and_return_their_results(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    batches: list[list[int]] = []
    commits: list[int] = []

    async def write(session: AsyncSession, items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        await session.execute(text("SELECT 1"))
        return [item * 10 for item in items]

    group: GroupCommit[int, int] = GroupCommit(
        sessionmaker, write, name="test", after_commit=lambda: commits.append(1), turn=WriteTurn(sessionmaker)
    )
    assert await group.submit(1) == 10, "a lone item is committed at once, alone"
    results = await asyncio.gather(*(group.submit(n) for n in range(2, 12)))
    assert results == [n * 10 for n in range(2, 12)]
    assert batches[0] == [1]
    # The ten submitted in the same turn of the event loop are one commit, in their order.
    assert batches == [[1], list(range(2, 12))]
    assert len(commits) == 2 and not group.has_waiting


async def test_a_failed_batch_fails_its_items_or_with_retry_alone_only_the_one_at_fault(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def write(session: AsyncSession, items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise ValueError("unlucky")
        return list(items)

    def unavailable(error: Exception) -> Exception:
        return RuntimeError(f"not stored: {error}")

    all_fail: GroupCommit[int, int] = GroupCommit(sessionmaker, write, name="test", failed=unavailable)
    await all_fail.submit(0)
    outcomes = await asyncio.gather(*(all_fail.submit(n) for n in (12, 13, 14)), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes), outcomes

    alone: GroupCommit[int, int] = GroupCommit(sessionmaker, write, name="test", retry_alone=True)
    await alone.submit(0)
    outcomes = await asyncio.gather(*(alone.submit(n) for n in (12, 13, 14)), return_exceptions=True)
    assert outcomes[0] == 12 and outcomes[2] == 14
    assert isinstance(outcomes[1], ValueError)
    with pytest.raises(ValueError):
        await alone.submit(13)
