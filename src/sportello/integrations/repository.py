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


async def list_all(session: AsyncSession) -> Sequence[WhatsAppNumber]:
    """Across accounts: a webhook is signed with an app's secret before anyone knows its account."""
    return (await session.scalars(select(WhatsAppNumber).order_by(WhatsAppNumber.id))).all()


async def list_sealed_app_secrets(session: AsyncSession) -> Sequence[tuple[int, str]]:
    """(our id, sealed app secret) of every number, across accounts: a webhook is checked
    against every app's secret before anyone knows which account it is for."""
    rows = await session.execute(
        select(WhatsAppNumber.id, WhatsAppNumber.app_secret_sealed).order_by(WhatsAppNumber.id)
    )
    return [(number_id, sealed) for number_id, sealed in rows.all()]


async def list_by_waba_id(session: AsyncSession, waba_id: str) -> Sequence[WhatsAppNumber]:
    rows = await session.scalars(
        select(WhatsAppNumber).where(WhatsAppNumber.waba_id == waba_id).order_by(WhatsAppNumber.id)
    )
    return rows.all()


async def find(session: AsyncSession, number_id: int) -> WhatsAppNumber | None:
    return await session.get(WhatsAppNumber, number_id)
