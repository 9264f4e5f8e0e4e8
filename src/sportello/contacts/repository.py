"""Every query of contacts. Each names its account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.contacts.models import Contact, ContactOperator


async def find_by_phone(session: AsyncSession, *, account_id: int, phone: str) -> Contact | None:
    return await session.scalar(select(Contact).where(Contact.account_id == account_id, Contact.phone == phone))


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
