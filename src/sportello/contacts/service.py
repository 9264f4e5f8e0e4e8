"""The rules of contacts."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.contacts import repository as repo
from sportello.contacts.models import Contact


async def upsert_from_whatsapp(session: AsyncSession, *, account_id: int, phone: str, profile_name: str) -> Contact:
    """The contact who wrote (or is written to), created on first sight; WhatsApp's profile name
    is refreshed, the names people typed are never overwritten."""
    contact = await repo.find_by_phone(session, account_id=account_id, phone=phone)
    if contact is None:
        try:
            async with session.begin_nested():
                contact = await repo.insert(
                    session, Contact(account_id=account_id, phone=phone, profile_name=profile_name[:200])
                )
        except IntegrityError:
            # Another webhook of the same burst created it first.
            contact = await repo.find_by_phone(session, account_id=account_id, phone=phone)
            assert contact is not None
    elif profile_name and contact.profile_name != profile_name:
        contact.profile_name = profile_name[:200]
    return contact
