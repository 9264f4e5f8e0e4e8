"""Every query of quick replies. Each names its account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.quick_replies.models import QuickReply


async def find(session: AsyncSession, *, account_id: int, quick_reply_id: int) -> QuickReply | None:
    return await session.scalar(
        select(QuickReply).where(QuickReply.account_id == account_id, QuickReply.id == quick_reply_id)
    )


async def find_by_title(session: AsyncSession, *, account_id: int, title: str) -> QuickReply | None:
    # Case-insensitive: "Hours" and "hours" are one name to an agent typing /hours. The exact title
    # too: SQLite's lower() folds only ASCII, and the unique constraint is on the title as typed.
    return await session.scalar(
        select(QuickReply)
        .where(
            QuickReply.account_id == account_id,
            or_(QuickReply.title == title, func.lower(QuickReply.title) == title.lower()),
        )
        .limit(1)
    )


async def insert(session: AsyncSession, quick_reply: QuickReply) -> QuickReply:
    session.add(quick_reply)
    await session.flush()
    return quick_reply


async def delete(session: AsyncSession, quick_reply: QuickReply) -> None:
    await session.delete(quick_reply)
    await session.flush()


async def list_page(
    session: AsyncSession, *, account_id: int, search: str | None, offset: int, limit: int
) -> tuple[int, Sequence[QuickReply]]:
    """By title, so the list and the composer's picker read in the same order."""
    query = select(QuickReply).where(QuickReply.account_id == account_id)
    if search:
        needle = search.lower()
        query = query.where(
            or_(
                func.lower(QuickReply.title).contains(needle, autoescape=True),
                func.lower(QuickReply.text).contains(needle, autoescape=True),
            )
        )
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(
        query.order_by(func.lower(QuickReply.title), QuickReply.id).offset(offset).limit(limit)
    )
    return total, rows.all()
