"""Every query of read receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.models import Account
from sportello.integrations.models import WhatsAppNumber
from sportello.messages.models import Direction, Message
from sportello.read_receipts.models import ReadReceipt


@dataclass(frozen=True)
class CustomerMessage:
    id: int
    meta_id: str
    created_at: datetime
    whatsapp_number_id: int | None


async def newest_customer_message(session: AsyncSession, *, chat_id: int) -> CustomerMessage | None:
    """The newest message the customer wrote in this chat that Meta knows by id; never one of ours
    (Meta refuses to mark a business's own message read) and never a system notice."""
    row = (
        await session.execute(
            select(Message.id, Message.meta_id, Message.created_at, Message.whatsapp_number_id)
            .where(
                Message.chat_id == chat_id,
                Message.direction == Direction.INBOUND,
                Message.meta_id.is_not(None),
                Message.content_type != "System",
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
    ).first()
    if row is None or row.meta_id is None:
        return None
    return CustomerMessage(
        id=row.id, meta_id=row.meta_id, created_at=row.created_at, whatsapp_number_id=row.whatsapp_number_id
    )


async def find(session: AsyncSession, *, chat_id: int) -> ReadReceipt | None:
    return await session.get(ReadReceipt, chat_id)


async def insert(session: AsyncSession, receipt: ReadReceipt) -> ReadReceipt:
    session.add(receipt)
    await session.flush()
    return receipt


async def list_due_chat_ids(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[int]:
    rows = await session.scalars(
        select(ReadReceipt.chat_id).where(ReadReceipt.due_at <= now).order_by(ReadReceipt.due_at).limit(limit)
    )
    return rows.all()


async def claim(session: AsyncSession, chat_id: int, *, now: datetime, hold: timedelta) -> ReadReceipt | None:
    """Take a due call; `None` when another sender has it. Held `hold` long, then due again."""
    claimed = await session.execute(
        update(ReadReceipt)
        .where(ReadReceipt.chat_id == chat_id, ReadReceipt.due_at <= now)
        .values(due_at=now + hold, attempts=ReadReceipt.attempts + 1)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(ReadReceipt, chat_id, populate_existing=True)


async def number_and_setting(session: AsyncSession, receipt: ReadReceipt) -> tuple[WhatsAppNumber | None, bool]:
    """The number the customer wrote to, and whether its account still sends read receipts."""
    on = bool(await session.scalar(select(Account.send_read_receipts).where(Account.id == receipt.account_id)))
    if receipt.whatsapp_number_id is None:
        return None, on
    return await session.get(WhatsAppNumber, receipt.whatsapp_number_id), on


async def settle(
    session: AsyncSession, chat_id: int, *, requested: int, due_at: datetime | None, reset_attempts: bool
) -> None:
    """End a claimed call (`due_at=None`) or put it off, unless a newer request came in meanwhile
    (that one stays due as its request left it)."""
    values: dict[str, object] = {"due_at": due_at}
    if reset_attempts:
        values["attempts"] = 0
    await session.execute(
        update(ReadReceipt).where(ReadReceipt.chat_id == chat_id, ReadReceipt.requested == requested).values(**values)
    )
