"""The rules of read receipts: when an agent reads a chat, the customer's newest message is
marked read at Meta; while an agent types a reply, the customer sees "typing…". Only with the
account's setting on; the call itself is made by `read_receipts.sender` after commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import service as accounts_service
from sportello.chats.models import Chat
from sportello.db.unit_of_work import after_commit
from sportello.read_receipts import repository as repo
from sportello.read_receipts.limits import READ_WITHIN_DAYS, TYPING_EVERY_SECONDS
from sportello.read_receipts.models import ReadReceipt
from sportello.read_receipts.sender import wake_local_senders


async def mark_read(session: AsyncSession, *, chat: Chat) -> bool:
    """Ask for the customer's newest message to be marked read, if it is newer than the one
    marked last. Returns whether a call to Meta was asked for."""
    return await _ask(session, chat=chat, typing=False)


async def show_typing(session: AsyncSession, *, chat: Chat) -> bool:
    """Ask for "typing…" on the customer's phone (Meta sends it only with a read receipt, so the
    newest message is marked read too). Returns whether the indicator shows: asked now, or still
    showing from an ask less than `TYPING_EVERY_SECONDS` ago."""
    return await _ask(session, chat=chat, typing=True)


async def _ask(session: AsyncSession, *, chat: Chat, typing: bool) -> bool:
    account = await accounts_service.get_account(session, chat.account_id)
    if not account.send_read_receipts:
        return False
    now = datetime.now(UTC)
    newest = await repo.newest_customer_message(session, chat_id=chat.id)
    if newest is None or now - newest.created_at > timedelta(days=READ_WITHIN_DAYS):
        return False
    receipt = await repo.find(session, chat_id=chat.id)
    if receipt is not None and receipt.message_id >= newest.id:
        if not typing:
            return False
        last = receipt.typing_requested_at
        if last is not None and now - last < timedelta(seconds=TYPING_EVERY_SECONDS):
            return True
    if receipt is None:
        try:
            async with session.begin_nested():
                await repo.insert(
                    session,
                    ReadReceipt(
                        chat_id=chat.id,
                        account_id=chat.account_id,
                        message_id=newest.id,
                        meta_id=newest.meta_id,
                        whatsapp_number_id=newest.whatsapp_number_id or chat.whatsapp_number_id,
                        typing_requested_at=now if typing else None,
                        due_at=now,
                        attempts=0,
                        requested=1,
                    ),
                )
        except IntegrityError:
            # Another page of the same chat asked at the same moment: its call covers this one.
            return True
    else:
        receipt.message_id, receipt.meta_id = newest.id, newest.meta_id
        receipt.whatsapp_number_id = newest.whatsapp_number_id or chat.whatsapp_number_id
        if typing:
            receipt.typing_requested_at = now
        receipt.due_at, receipt.attempts, receipt.requested = now, 0, receipt.requested + 1
    after_commit(session, wake_local_senders)
    return True
