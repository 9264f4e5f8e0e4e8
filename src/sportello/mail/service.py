"""Queueing email. Delivery happens after commit, by `mail.sender`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.db.unit_of_work import after_commit
from sportello.mail import repository as repo
from sportello.mail.models import OutboxEmail
from sportello.mail.sender import wake_local_senders


async def enqueue_email(session: AsyncSession, *, to: str, subject: str, body: str) -> OutboxEmail:
    email = await repo.insert(session, OutboxEmail(to_address=to, subject=subject[:300], body=body))
    after_commit(session, wake_local_senders)
    return email


async def list_outbox(session: AsyncSession, *, limit: int = 100) -> Sequence[OutboxEmail]:
    return await repo.list_recent(session, limit=limit)
