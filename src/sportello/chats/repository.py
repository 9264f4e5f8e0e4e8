"""Every query of chats. Each names its account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats.models import Chat


async def find_by_contact(session: AsyncSession, *, account_id: int, contact_id: int) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.contact_id == contact_id))


async def find_by_uuid(session: AsyncSession, *, account_id: int, uuid: str) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.uuid == uuid))


async def insert(session: AsyncSession, chat: Chat) -> Chat:
    session.add(chat)
    await session.flush()
    return chat
