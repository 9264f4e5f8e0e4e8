"""Builds wire payment requests in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.chats import repository as chats_repo
from sportello.messages import repository as messages_repo
from sportello.payments.amounts import paypal_amount
from sportello.payments.models import PaymentRequest
from sportello.payments.schemas import PaymentRequestRead
from sportello.payments.service import link_of


async def requests_read(
    session: AsyncSession, requests: Sequence[PaymentRequest], app_url: str
) -> list[PaymentRequestRead]:
    if not requests:
        return []

    chat_ids = {r.chat_id for r in requests}
    message_ids = {r.message_id for r in requests if r.message_id is not None}
    user_ids = {r.sender_user_id for r in requests if r.sender_user_id is not None}
    chats = await chats_repo.by_id(session, chat_ids)
    messages = await messages_repo.by_id(session, message_ids)
    users = await accounts_repo.users_by_id(session, user_ids)
    result = []
    for request in requests:
        chat, message, user = (
            chats.get(request.chat_id),
            messages.get(request.message_id or 0),
            users.get(request.sender_user_id or 0),
        )
        result.append(
            PaymentRequestRead(
                id=request.public_id,
                link=link_of(request, app_url),
                chat_uuid=chat.uuid if chat else "",
                message_uuid=message.uuid if message else None,
                amount=paypal_amount(request.amount, request.currency),
                currency=request.currency,
                description=request.description,
                sender=user.name if user else None,
                opened_count=request.opened_count,
                first_opened_datetime=request.first_opened_at,
                last_opened_datetime=request.last_opened_at,
                created_datetime=request.created_at,
            )
        )
    return result
