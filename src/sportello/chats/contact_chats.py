"""Every contact has its chat: a contact made through the API opens its chat at once (on the
account's first number), and an edit from a chat page's contact panel is told as that chat's change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.chats import service as chats_service
from sportello.chats.models import Chat
from sportello.contacts import service as contacts_service
from sportello.contacts.models import Contact
from sportello.contacts.schemas import ContactCreate, ContactPanelUpdate
from sportello.contacts.service import MAX_SYNC_ALL
from sportello.errors import InvalidInput
from sportello.integrations import repository as integrations_repo
from sportello.realtime import service as live


async def _default_number_id(session: AsyncSession, account_id: int) -> int | None:
    numbers = await integrations_repo.list_for_account(session, account_id=account_id)
    return numbers[0].id if numbers else None


async def create_contact(session: AsyncSession, *, account_id: int, data: ContactCreate) -> Contact:
    contact = await contacts_service.create_contact(session, account_id=account_id, data=data)
    await chats_service.ensure_chat(
        session, contact=contact, whatsapp_number_id=await _default_number_id(session, account_id)
    )
    return contact


async def sync_contact(session: AsyncSession, *, account_id: int, data: ContactCreate) -> tuple[Contact, Chat, bool]:
    """The contact with this phone (or user id), made or updated, and its chat. Returns
    (contact, chat, created)."""
    contact, created = await contacts_service.sync_contact(session, account_id=account_id, data=data)
    number_id = await _default_number_id(session, account_id) if created else None
    chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=number_id)
    return contact, chat, created


async def sync_all(session: AsyncSession, *, account_id: int, items: Sequence[ContactCreate]) -> list[Contact]:
    if len(items) > MAX_SYNC_ALL:
        raise InvalidInput(f"Send at most {MAX_SYNC_ALL} contacts at once.", code="too_many_contacts")
    return [(await sync_contact(session, account_id=account_id, data=item))[0] for item in items]


async def update_from_chat(session: AsyncSession, *, actor: Actor, chat: Chat, data: ContactPanelUpdate) -> Contact:
    """The contact panel of a chat the caller may see (the caller checked): every page showing
    the chat is told its new shape."""
    contact = await contacts_service.update_from_panel(session, actor=actor, contact_id=chat.contact_id, data=data)
    live.record_chat(session, chat)
    return contact
