"""Every query of contacts. Each names its account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.models import User
from sportello.contacts.models import Contact, ContactOperator, ContactTag, Tag


async def find_by_phone(session: AsyncSession, *, account_id: int, phone: str) -> Contact | None:
    return await session.scalar(select(Contact).where(Contact.account_id == account_id, Contact.phone == phone))


async def find_by_user_id(session: AsyncSession, *, account_id: int, user_id: str) -> Contact | None:
    return await session.scalar(
        select(Contact).where(Contact.account_id == account_id, Contact.whatsapp_user_id == user_id)
    )


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
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Contact.first_name).like(pattern),
                func.lower(Contact.last_name).like(pattern),
                func.lower(Contact.profile_name).like(pattern),
                func.lower(Contact.username).like(pattern),
                func.lower(Contact.email).like(pattern),
                Contact.phone.like(f"%{search.lstrip('+').replace(' ', '')}%"),
            )
        )
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(query.order_by(Contact.id.desc()).offset(offset).limit(limit))
    return total, rows.all()


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
