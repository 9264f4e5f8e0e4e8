"""Every query of PayPal settings and payment requests. Each names its account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.payments.models import PaymentRequest, PaypalSettings


async def find_settings(session: AsyncSession, *, account_id: int) -> PaypalSettings | None:
    return await session.get(PaypalSettings, account_id)


async def save_settings(session: AsyncSession, settings: PaypalSettings) -> PaypalSettings:
    session.add(settings)
    await session.flush()
    return settings


async def insert_request(session: AsyncSession, request: PaymentRequest) -> PaymentRequest:
    session.add(request)
    await session.flush()
    return request


async def find_by_public_id(session: AsyncSession, public_id: str) -> PaymentRequest | None:
    """The short link's lookup: the id alone names the request (it is the unguessable part)."""
    return await session.scalar(select(PaymentRequest).where(PaymentRequest.public_id == public_id))


async def list_page(
    session: AsyncSession, *, account_id: int, chat_id: int | None, offset: int, limit: int
) -> tuple[int, Sequence[PaymentRequest]]:
    query = select(PaymentRequest).where(PaymentRequest.account_id == account_id)
    if chat_id is not None:
        query = query.where(PaymentRequest.chat_id == chat_id)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(query.order_by(PaymentRequest.id.desc()).offset(offset).limit(limit))
    return total, rows.all()


async def move_to_chat(session: AsyncSession, *, from_chat_id: int, to_chat_id: int) -> None:
    """A chat's payment requests into another (its customer was the same person known twice)."""
    await session.execute(
        update(PaymentRequest).where(PaymentRequest.chat_id == from_chat_id).values(chat_id=to_chat_id)
    )


async def by_id(session: AsyncSession, ids: Iterable[int]) -> list[PaymentRequest]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(await session.scalars(select(PaymentRequest).where(PaymentRequest.id.in_(wanted))))
