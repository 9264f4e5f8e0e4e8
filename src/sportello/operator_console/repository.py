"""Every query of operator sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.operator_console.models import OperatorSession


async def insert_session(session: AsyncSession, operator: OperatorSession) -> None:
    session.add(operator)
    await session.flush()


async def find_session(session: AsyncSession, digest: str, *, now: datetime) -> OperatorSession | None:
    return await session.scalar(
        select(OperatorSession).where(OperatorSession.digest == digest, OperatorSession.expires_at > now)
    )


async def delete_session(session: AsyncSession, digest: str) -> None:
    await session.execute(delete(OperatorSession).where(OperatorSession.digest == digest))


async def delete_expired(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(delete(OperatorSession).where(OperatorSession.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
