"""Every query of read receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.models import Account
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.queue import DurableQueue
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


# A chat's call waits while `due_at` is set; `due_at` is also the lease a sender holds while it
# talks to Meta, and the backoff after a failure.
QUEUE = DurableQueue(
    name="read-receipts",
    id_column=ReadReceipt.chat_id,
    lease=ReadReceipt.due_at,
    waiting=ReadReceipt.due_at.is_not(None),
    attempts=ReadReceipt.attempts,
)


@dataclass(frozen=True)
class Route:
    """Where a claimed call goes: the number's Graph id and sealed token, and whether its account
    still sends read receipts."""

    phone_number_id: str
    access_token_sealed: str
    receipts_on: bool


async def routes(session: AsyncSession, number_ids: Sequence[int]) -> dict[int, Route]:
    """The route of each of these numbers, in one query (a number gone is missing)."""
    if not number_ids:
        return {}
    rows = await session.execute(
        select(
            WhatsAppNumber.id,
            WhatsAppNumber.phone_number_id,
            WhatsAppNumber.access_token_sealed,
            Account.send_read_receipts,
        )
        .join(Account, Account.id == WhatsAppNumber.account_id)
        .where(WhatsAppNumber.id.in_(list(set(number_ids))))
    )
    return {row[0]: Route(row[1], row[2], bool(row[3])) for row in rows.all()}


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
