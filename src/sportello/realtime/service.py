"""Recording live events with the change they report, and reading them back for a listener.

An event is written in the transaction of its change, so it exists exactly when the change does;
the bus is told after the commit. Events are hints ("chat X changed"): pages fetch again what they
show, so a repeated event is harmless and a client may safely be sent an event twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.accounts.permissions import sees_only_assigned_chats
from sportello.chats.models import Chat
from sportello.db.unit_of_work import after_commit_once
from sportello.messages.models import Message
from sportello.realtime import repository as repo
from sportello.realtime.bus import SESSION_INFO_KEY, LocalBus
from sportello.realtime.models import LiveEvent

KEEP_FOR = timedelta(days=2)


@dataclass(frozen=True)
class Audience:
    """Who listens, and so which events they hear: what the REST reads would show them. A Chat
    Operator hears of the chats assigned to them; a frame whose page is one chat (no chat list)
    of that chat only (`only_chat_uuid`; "" for none). Events that name no chat reach everyone."""

    actor: Actor
    only_chat_uuid: str | None = None


def record(
    session: AsyncSession,
    *,
    account_id: int,
    kind: str,
    chat: Chat | None = None,
    ref: str = "",
) -> None:
    repo.add(
        session,
        LiveEvent(
            account_id=account_id,
            kind=kind,
            contact_id=chat.contact_id if chat is not None else None,
            chat_uuid=chat.uuid if chat is not None else "",
            ref=ref,
        ),
    )
    bus: LocalBus | None = session.info.get(SESSION_INFO_KEY)
    if bus is not None:

        async def notify() -> None:
            await bus.notify(account_id)

        after_commit_once(session, f"live:{account_id}", notify)


def record_chat(session: AsyncSession, chat: Chat, *, kind: str = "chat", ref: str = "") -> None:
    record(session, account_id=chat.account_id, kind=kind, chat=chat, ref=ref)


def record_assignment(session: AsyncSession, chat: Chat, *, someone_lost_it: bool) -> None:
    """The chat changed hands. Told with its chat, so only those who may see it now hear its uuid
    (and a Chat Operator never learns of chats that are not theirs). One who just lost it may no
    longer hear of it: a notice that names no chat tells every list to look again, which drops it."""
    record_chat(session, chat, kind="chats", ref=chat.uuid)
    if someone_lost_it:
        record(session, account_id=chat.account_id, kind="chats")


async def events_for(
    session: AsyncSession, *, audience: Audience, after_id: int, limit: int = 200
) -> Sequence[LiveEvent]:
    actor = audience.actor
    return await repo.after(
        session,
        account_id=actor.account_id,
        after_id=after_id,
        only_assigned_to=actor.user_id if sees_only_assigned_chats(actor.role) else None,
        only_chat_uuid=audience.only_chat_uuid,
        limit=limit,
    )


async def bounds(session: AsyncSession, *, account_id: int) -> tuple[int, int]:
    return await repo.bounds(session, account_id=account_id)


async def prune(session: AsyncSession, *, now: datetime | None = None) -> int:
    return await repo.delete_older_than(session, when=(now or datetime.now(UTC)) - KEEP_FOR)


async def record_message(session: AsyncSession, message: Message) -> None:
    """A message was stored or changed (a status tick, a failure)."""
    chat = await session.get(Chat, message.chat_id)
    if chat is not None:
        record(session, account_id=message.account_id, kind="message", chat=chat, ref=message.uuid)


def record_template(session: AsyncSession, *, account_id: int, template_id: int) -> None:
    record(session, account_id=account_id, kind="template", ref=str(template_id))
