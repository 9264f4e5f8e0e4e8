"""Every query of chats. Each names its account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats.models import Chat
from sportello.contacts.models import ContactOperator


async def find_by_contact(session: AsyncSession, *, account_id: int, contact_id: int) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.contact_id == contact_id))


async def find_by_uuid(session: AsyncSession, *, account_id: int, uuid: str) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.uuid == uuid))


async def insert(session: AsyncSession, chat: Chat) -> Chat:
    session.add(chat)
    await session.flush()
    return chat


async def list_page(
    session: AsyncSession, *, account_id: int, only_assigned_to: int | None, offset: int, limit: int
) -> tuple[int, Sequence[Chat]]:
    """Most recent activity first, then by id, so that pages are stable between equal times."""
    query = select(Chat).where(Chat.account_id == account_id)
    if only_assigned_to is not None:
        query = query.join(ContactOperator, ContactOperator.contact_id == Chat.contact_id).where(
            ContactOperator.user_id == only_assigned_to
        )
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(query.order_by(Chat.updated_at.desc(), Chat.id.desc()).offset(offset).limit(limit))
    return total, rows.all()
