"""Every query about connected WhatsApp numbers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.integrations.models import WhatsAppNumber


async def find_by_phone_number_id(session: AsyncSession, phone_number_id: str) -> WhatsAppNumber | None:
    return await session.scalar(select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == phone_number_id))


async def list_for_account(session: AsyncSession, *, account_id: int) -> Sequence[WhatsAppNumber]:
    rows = await session.scalars(
        select(WhatsAppNumber).where(WhatsAppNumber.account_id == account_id).order_by(WhatsAppNumber.id)
    )
    return rows.all()


async def insert(session: AsyncSession, number: WhatsAppNumber) -> WhatsAppNumber:
    session.add(number)
    await session.flush()
    return number
