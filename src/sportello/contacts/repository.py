"""Every query of contacts. Each names its account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, false, func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.models import User
from sportello.contacts.models import Contact, ContactOperator, ContactTag, Tag
from sportello.db.filters import in_any
from sportello.kit import text_search
from sportello.kit.text_search import SearchTerm

# What a contact is found by, as one text: PostgreSQL's trigram index (migration 0019) is on this
# very expression; SQLite's contacts_fts holds the same in its `name`, `email`, `username` columns.
_SEARCHED_TEXT = text_search.concatenated(
    Contact.first_name, Contact.last_name, Contact.profile_name, Contact.username, Contact.email
)


async def find_by_phone(session: AsyncSession, *, account_id: int, phone: str) -> Contact | None:
    return await session.scalar(select(Contact).where(Contact.account_id == account_id, Contact.phone == phone))


async def find_by_user_id(session: AsyncSession, *, account_id: int, user_id: str) -> Contact | None:
    return await session.scalar(
        select(Contact).where(Contact.account_id == account_id, Contact.whatsapp_user_id == user_id)
    )


async def by_identities(
    session: AsyncSession, *, account_id: int, phones: Iterable[str], user_ids: Iterable[str]
) -> tuple[dict[str, Contact], dict[str, Contact]]:
    """An account's contacts by phone and by BSUID, in one query: (by phone, by BSUID)."""
    wanted_phones, wanted_users = set(phones), set(user_ids)
    chosen = in_any((Contact.phone, sorted(wanted_phones)), (Contact.whatsapp_user_id, sorted(wanted_users)))
    if chosen is None:
        return {}, {}
    found = list(await session.scalars(select(Contact).where(Contact.account_id == account_id, chosen)))
    by_phone = {c.phone: c for c in found if c.phone is not None and c.phone in wanted_phones}
    by_user = {c.whatsapp_user_id: c for c in found if c.whatsapp_user_id and c.whatsapp_user_id in wanted_users}
    return by_phone, by_user


async def find(session: AsyncSession, *, account_id: int, contact_id: int) -> Contact | None:
    return await session.scalar(select(Contact).where(Contact.account_id == account_id, Contact.id == contact_id))


async def insert(session: AsyncSession, contact: Contact) -> Contact:
    session.add(contact)
    await session.flush()
    return contact


async def is_assigned(session: AsyncSession, *, contact_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(ContactOperator.user_id).where(
            ContactOperator.contact_id == contact_id, ContactOperator.user_id == user_id
        )
    )
    return found is not None


async def list_page(
    session: AsyncSession,
    *,
    account_id: int,
    search: str | None,
    phone: str | None,
    offset: int,
    limit: int,
    user_id: str | None = None,
) -> tuple[int, Sequence[Contact]]:
    """Newest first, then by id: a stable order while contacts are added."""
    query = select(Contact).where(Contact.account_id == account_id)
    if phone:
        query = query.where(Contact.phone == phone)
    if user_id:
        query = query.where(Contact.whatsapp_user_id == user_id)
    if search:
        query = query.where(matching(text_search.dialect_of(session), SearchTerm.of(search)))
    total = await count_rows(session, query)
    rows = await session.scalars(query.order_by(Contact.id.desc()).offset(offset).limit(limit))
    return total, rows.all()


def matching(dialect: str, term: SearchTerm) -> ColumnElement[bool]:
    """Contacts whose name, username or email contain the term, or whose phone contains its
    digits, through the dialect's index. The caller bounds it by account."""
    if not term.indexed:
        pattern = text_search.like_pattern(term.text.lower())
        found = [func.lower(_SEARCHED_TEXT).like(pattern, escape="\\")]
        if term.digits:
            found.append(Contact.phone.like(text_search.like_pattern(term.digits), escape="\\"))
        return or_(*found)
    if dialect == "sqlite":
        queries = []
        if len(term.text) >= text_search.MIN_INDEXED:
            queries.append("{name email username} : " + text_search.fts5_phrase(term.text))
        if len(term.digits) >= text_search.MIN_INDEXED:
            queries.append("phone : " + text_search.fts5_phrase(term.digits))
        return Contact.id.in_(text_search.fts5_rowids("contacts_fts", " OR ".join(queries)))
    found = []
    if len(term.text) >= text_search.MIN_INDEXED:
        found.append(_SEARCHED_TEXT.ilike(text_search.like_pattern(term.text), escape="\\"))
    if len(term.digits) >= text_search.MIN_INDEXED:
        found.append(Contact.phone.like(text_search.like_pattern(term.digits), escape="\\"))
    return or_(*found) if found else false()


async def count_rows(session: AsyncSession, query: Select[Any]) -> int:
    """The rows `query` selects, counted on its conditions alone (no row is loaded), so an index
    on them answers: on SQLite an index-only count, on PostgreSQL an index-only scan."""
    return int(await session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0)


async def operators_of(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, list[User]]:
    if not contact_ids:
        return {}
    rows = await session.execute(
        select(ContactOperator.contact_id, User)
        .join(User, User.id == ContactOperator.user_id)
        .where(ContactOperator.contact_id.in_(contact_ids))
        .order_by(User.id)
    )
    found: dict[int, list[User]] = {}
    for contact_id, user in rows.all():
        found.setdefault(contact_id, []).append(user)
    return found


async def tags_of(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    if not contact_ids:
        return {}
    rows = await session.execute(
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(contact_ids))
        .order_by(Tag.name)
    )
    found: dict[int, list[str]] = {}
    for contact_id, name in rows.all():
        found.setdefault(contact_id, []).append(name)
    return found


async def set_tags(session: AsyncSession, *, contact: Contact, names: Sequence[str]) -> None:
    await session.execute(delete(ContactTag).where(ContactTag.contact_id == contact.id))
    for name in dict.fromkeys(names):
        tag = await session.scalar(select(Tag).where(Tag.account_id == contact.account_id, Tag.name == name))
        if tag is None:
            tag = Tag(account_id=contact.account_id, name=name)
            session.add(tag)
            await session.flush()
        session.add(ContactTag(contact_id=contact.id, tag_id=tag.id))
    await session.flush()


async def assign(session: AsyncSession, *, contact_id: int, user_id: int) -> None:
    if not await is_assigned(session, contact_id=contact_id, user_id=user_id):
        session.add(ContactOperator(contact_id=contact_id, user_id=user_id))
        await session.flush()


async def unassign(session: AsyncSession, *, contact_id: int, user_id: int) -> None:
    await session.execute(
        delete(ContactOperator).where(ContactOperator.contact_id == contact_id, ContactOperator.user_id == user_id)
    )


async def move_tags_and_operators(session: AsyncSession, *, from_contact_id: int, to_contact_id: int) -> None:
    """What one contact had, given to another (the same person known twice), without duplicates."""
    kept_tags = select(ContactTag.tag_id).where(ContactTag.contact_id == to_contact_id)
    await session.execute(
        update(ContactTag)
        .where(ContactTag.contact_id == from_contact_id, ContactTag.tag_id.not_in(kept_tags))
        .values(contact_id=to_contact_id)
    )
    kept_users = select(ContactOperator.user_id).where(ContactOperator.contact_id == to_contact_id)
    await session.execute(
        update(ContactOperator)
        .where(ContactOperator.contact_id == from_contact_id, ContactOperator.user_id.not_in(kept_users))
        .values(contact_id=to_contact_id)
    )
    await session.flush()


async def delete_contact(session: AsyncSession, contact: Contact) -> None:
    await session.delete(contact)
    await session.flush()


async def by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Contact]:
    """The contacts by id: those this session holds as they are (contacts change only through
    their objects, never by a bulk UPDATE), the others in one query."""
    found: dict[int, Contact] = {}
    missing = []
    for contact_id in set(ids):
        held = session.identity_map.get(session.identity_key(Contact, contact_id))
        if isinstance(held, Contact) and not inspect(held).expired_attributes:
            found[contact_id] = held
        else:
            missing.append(contact_id)
    if missing:
        found |= {c.id: c for c in await session.scalars(select(Contact).where(Contact.id.in_(missing)))}
    return found
