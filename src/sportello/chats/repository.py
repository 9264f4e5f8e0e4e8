"""Every query of chats. Each names its account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats.models import Chat
from sportello.contacts.models import Contact, ContactOperator, ContactTag, Tag


@dataclass(frozen=True)
class ChatFilter:
    """What the chat list shows: `only_assigned_to` is also how a Chat Operator's list is bounded."""

    only_assigned_to: int | None = None
    search: str = ""
    unread_only: bool = False
    operator_id: int | None = None
    tag: str = ""


async def find_by_contact(session: AsyncSession, *, account_id: int, contact_id: int) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.contact_id == contact_id))


async def find_by_uuid(session: AsyncSession, *, account_id: int, uuid: str) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.uuid == uuid))


async def insert(session: AsyncSession, chat: Chat) -> Chat:
    session.add(chat)
    await session.flush()
    return chat


def _assigned(user_id: int) -> object:
    return exists().where(ContactOperator.contact_id == Chat.contact_id, ContactOperator.user_id == user_id)


def _filtered(account_id: int, chosen: ChatFilter) -> Select[Chat]:
    query = select(Chat).where(Chat.account_id == account_id)
    if chosen.only_assigned_to is not None:
        query = query.where(_assigned(chosen.only_assigned_to))  # type: ignore[arg-type]
    if chosen.operator_id is not None:
        query = query.where(_assigned(chosen.operator_id))  # type: ignore[arg-type]
    if chosen.unread_only:
        query = query.where(Chat.unread_count > 0)
    if chosen.tag:
        query = query.where(
            exists()
            .where(ContactTag.contact_id == Chat.contact_id, ContactTag.tag_id == Tag.id)
            .where(Tag.account_id == account_id, Tag.name == chosen.tag)
        )
    if chosen.search:
        # Names match anywhere, case-blind; numbers match by their digits, however they are written.
        pattern = f"%{chosen.search.lower().replace('%', '').replace('_', '')}%"
        digits = "".join(ch for ch in chosen.search if ch.isdigit())
        full_name = func.lower(Contact.first_name + " " + Contact.last_name)
        matches = [
            full_name.like(pattern),
            func.lower(Contact.profile_name).like(pattern),
            func.lower(Contact.username).like(pattern),
        ]
        if len(digits) >= 3:
            matches.append(Contact.phone.like(f"%{digits}%"))
        query = query.where(exists().where(Contact.id == Chat.contact_id, or_(*matches)))
    return query


async def list_page(
    session: AsyncSession, *, account_id: int, only_assigned_to: int | None, offset: int, limit: int
) -> tuple[int, Sequence[Chat]]:
    return await list_filtered(
        session, account_id=account_id, chosen=ChatFilter(only_assigned_to=only_assigned_to), offset=offset, limit=limit
    )


async def list_filtered(
    session: AsyncSession, *, account_id: int, chosen: ChatFilter, offset: int, limit: int
) -> tuple[int, Sequence[Chat]]:
    """Most recent activity first, then by id, so that pages are stable between equal times."""
    query = _filtered(account_id, chosen)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(query.order_by(Chat.updated_at.desc(), Chat.id.desc()).offset(offset).limit(limit))
    return total, rows.all()


async def count_unread(session: AsyncSession, *, account_id: int, only_assigned_to: int | None) -> int:
    """How many chats have unread messages (of those the viewer may see)."""
    query = _filtered(account_id, ChatFilter(only_assigned_to=only_assigned_to, unread_only=True))
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def unread_chats(session: AsyncSession, *, account_id: int, only_assigned_to: int | None) -> Sequence[Chat]:
    query = _filtered(account_id, ChatFilter(only_assigned_to=only_assigned_to, unread_only=True))
    return (await session.scalars(query)).all()


async def clear_unread(session: AsyncSession, *, chat_ids: Sequence[int]) -> None:
    if chat_ids:
        await session.execute(update(Chat).where(Chat.id.in_(chat_ids)).values(unread_count=0))


async def tag_names(session: AsyncSession, *, account_id: int) -> Sequence[str]:
    return (await session.scalars(select(Tag.name).where(Tag.account_id == account_id).order_by(Tag.name))).all()
