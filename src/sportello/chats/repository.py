"""Every query of chats. Each names its account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, exists, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats.models import Chat, ChatDraft
from sportello.contacts import repository as contacts_repo
from sportello.contacts.models import Contact, ContactOperator, ContactTag, Tag
from sportello.db.base import utcnow
from sportello.kit import text_search
from sportello.kit.text_search import SearchTerm


@dataclass(frozen=True)
class ChatFilter:
    """What the chat list shows: `only_assigned_to` is also how a Chat Operator's list is bounded."""

    only_assigned_to: int | None = None
    search: str = ""
    unread_only: bool = False
    operator_id: int | None = None
    tag: str = ""
    # With a search, the ids of the chats that have a message matching it (a subquery the
    # messages domain builds): those are found too.
    message_hits: Select[int] | None = None


async def find_by_contact(session: AsyncSession, *, account_id: int, contact_id: int) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.contact_id == contact_id))


async def of_contacts(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, Chat]:
    """Each contact's chat, by contact id, in one query."""
    if not contact_ids:
        return {}
    found = await session.scalars(select(Chat).where(Chat.contact_id.in_(list(contact_ids))))
    return {chat.contact_id: chat for chat in found}


async def find_by_uuid(session: AsyncSession, *, account_id: int, uuid: str) -> Chat | None:
    return await session.scalar(select(Chat).where(Chat.account_id == account_id, Chat.uuid == uuid))


async def insert(session: AsyncSession, chat: Chat) -> Chat:
    session.add(chat)
    await session.flush()
    return chat


def _assigned(user_id: int) -> object:
    # From the operator's assignments to their chats (contact_operators is indexed by user), not
    # a look at each of the account's chats in turn.
    return Chat.contact_id.in_(select(ContactOperator.contact_id).where(ContactOperator.user_id == user_id))


def _filtered(account_id: int, chosen: ChatFilter, dialect: str) -> Select[Chat]:
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
        found_contacts = select(Contact.id).where(
            Contact.account_id == account_id, contacts_repo.matching(dialect, SearchTerm.of(chosen.search))
        )
        # One set of chat ids (a UNION), not an OR of two IN lists: an OR makes PostgreSQL test each
        # of the account's chats against both, a set is joined once.
        by_contact = select(Chat.id).where(Chat.account_id == account_id, Chat.contact_id.in_(found_contacts))
        found = by_contact if chosen.message_hits is None else union(by_contact, chosen.message_hits)
        query = query.where(Chat.id.in_(found))
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
    query = _filtered(account_id, chosen, text_search.dialect_of(session))
    total = await contacts_repo.count_rows(session, query)
    rows = await session.scalars(query.order_by(Chat.updated_at.desc(), Chat.id.desc()).offset(offset).limit(limit))
    return total, rows.all()


async def count_unread(session: AsyncSession, *, account_id: int, only_assigned_to: int | None) -> int:
    """How many chats have unread messages (of those the viewer may see)."""
    query = _filtered(account_id, ChatFilter(only_assigned_to=only_assigned_to, unread_only=True), "")
    return await contacts_repo.count_rows(session, query)


async def unread_chats(session: AsyncSession, *, account_id: int, only_assigned_to: int | None) -> Sequence[Chat]:
    query = _filtered(account_id, ChatFilter(only_assigned_to=only_assigned_to, unread_only=True), "")
    return (await session.scalars(query)).all()


async def clear_unread(session: AsyncSession, *, chat_ids: Sequence[int]) -> None:
    if chat_ids:
        await session.execute(update(Chat).where(Chat.id.in_(chat_ids)).values(unread_count=0))


async def tag_names(session: AsyncSession, *, account_id: int) -> Sequence[str]:
    return (await session.scalars(select(Tag.name).where(Tag.account_id == account_id).order_by(Tag.name))).all()


async def by_id(session: AsyncSession, ids: Iterable[int], *, fresh: bool = False) -> dict[int, Chat]:
    """The chats by id, in one query; `fresh` reads them again over what the session holds."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(Chat).where(Chat.id.in_(wanted))
    if fresh:
        query = query.execution_options(populate_existing=True)
    return {chat.id: chat for chat in await session.scalars(query)}


async def find_draft(session: AsyncSession, *, user_id: int, chat_id: int) -> ChatDraft | None:
    return await session.get(ChatDraft, (user_id, chat_id))


async def save_draft(session: AsyncSession, *, user_id: int, chat_id: int, account_id: int, text: str) -> None:
    """One statement: the draft made or replaced."""
    make = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"user_id": user_id, "chat_id": chat_id, "account_id": account_id, "text": text, "updated_at": utcnow()}
    statement = make(ChatDraft).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ChatDraft.user_id, ChatDraft.chat_id],
            set_={"text": statement.excluded.text, "updated_at": statement.excluded.updated_at},
        )
    )


async def delete_draft(session: AsyncSession, *, user_id: int, chat_id: int) -> None:
    await session.execute(delete(ChatDraft).where(ChatDraft.user_id == user_id, ChatDraft.chat_id == chat_id))
