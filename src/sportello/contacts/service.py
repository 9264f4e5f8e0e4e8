"""The rules of contacts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.accounts.models import User
from sportello.chats import service as chats_service
from sportello.chats.models import Chat
from sportello.contacts import repository as repo
from sportello.contacts.models import Contact
from sportello.contacts.schemas import ContactCreate, ContactUpdate
from sportello.errors import Conflict, InvalidInput, NotFound
from sportello.integrations import repository as integrations_repo
from sportello.kit.pagination import PageRequest
from sportello.kit.phones import to_e164
from sportello.realtime import service as live

MAX_SYNC_ALL = 500


@dataclass(frozen=True)
class ContactView:
    """A contact with what its wire shape shows: the chat, the assigned operators, the tags."""

    contact: Contact
    chat: Chat
    operators: list[User]
    tags: list[str]


async def upsert_from_whatsapp(session: AsyncSession, *, account_id: int, phone: str, profile_name: str) -> Contact:
    """The contact who wrote (or is written to), created on first sight with WhatsApp's profile
    name as first name (what the inbox shows); the profile name is refreshed, the names people
    typed are never overwritten."""
    contact = await repo.find_by_phone(session, account_id=account_id, phone=phone)
    if contact is None:
        try:
            async with session.begin_nested():
                contact = await repo.insert(
                    session,
                    Contact(
                        account_id=account_id,
                        phone=phone,
                        profile_name=profile_name[:200],
                        first_name=profile_name.strip()[:100],
                    ),
                )
        except IntegrityError:
            # Another webhook of the same burst created it first.
            contact = await repo.find_by_phone(session, account_id=account_id, phone=phone)
            assert contact is not None
    elif profile_name and contact.profile_name != profile_name:
        contact.profile_name = profile_name[:200]
    return contact


async def _default_number_id(session: AsyncSession, account_id: int) -> int | None:
    numbers = await integrations_repo.list_for_account(session, account_id=account_id)
    return numbers[0].id if numbers else None


def _apply(contact: Contact, data: ContactCreate | ContactUpdate) -> None:
    """Only the fields the caller sent: a sync that names the last name keeps the first name."""
    sent = data.model_fields_set
    for field in ("first_name", "last_name", "language"):
        value = getattr(data, field)
        if field in sent and value is not None:
            setattr(contact, field, value.strip())
    if "email" in sent:
        contact.email = str(data.email).lower() if data.email is not None else ""


async def get_contact(session: AsyncSession, *, account_id: int, contact_id: int) -> Contact:
    contact = await repo.find(session, account_id=account_id, contact_id=contact_id)
    if contact is None:
        raise NotFound("There is no such contact in this account.", code="contact_not_found")
    return contact


async def create_contact(session: AsyncSession, *, account_id: int, data: ContactCreate) -> Contact:
    phone = to_e164(data.phone)
    if await repo.find_by_phone(session, account_id=account_id, phone=phone) is not None:
        raise Conflict(
            f"A contact with the phone {phone} already exists: use sync to update it.", code="contact_exists"
        )
    contact = await repo.insert(session, Contact(account_id=account_id, phone=phone))
    _apply(contact, data)
    await repo.set_tags(session, contact=contact, names=data.tags)
    await chats_service.ensure_chat(
        session, contact=contact, whatsapp_number_id=await _default_number_id(session, account_id)
    )
    return contact


async def sync_contact(session: AsyncSession, *, account_id: int, data: ContactCreate) -> tuple[Contact, bool]:
    """Create the contact with this phone, or update the one that has it. Returns (contact, created)."""
    phone = to_e164(data.phone)
    contact = await repo.find_by_phone(session, account_id=account_id, phone=phone)
    if contact is None:
        return await create_contact(session, account_id=account_id, data=data), True
    _apply(contact, data)
    if data.tags:
        await repo.set_tags(session, contact=contact, names=data.tags)
    return contact, False


async def sync_all(session: AsyncSession, *, account_id: int, items: Sequence[ContactCreate]) -> list[Contact]:
    if len(items) > MAX_SYNC_ALL:
        raise InvalidInput(f"Send at most {MAX_SYNC_ALL} contacts at once.", code="too_many_contacts")
    return [(await sync_contact(session, account_id=account_id, data=item))[0] for item in items]


async def update_contact(session: AsyncSession, *, account_id: int, contact_id: int, data: ContactUpdate) -> Contact:
    contact = await get_contact(session, account_id=account_id, contact_id=contact_id)
    if data.phone is not None:
        phone = to_e164(data.phone)
        other = await repo.find_by_phone(session, account_id=account_id, phone=phone)
        if other is not None and other.id != contact.id:
            raise Conflict(f"Another contact has the phone {phone}.", code="contact_exists")
        contact.phone = phone
    _apply(contact, data)
    if data.is_blocked is not None:
        contact.is_blocked = data.is_blocked
    if data.tags is not None:
        await repo.set_tags(session, contact=contact, names=data.tags)
    await session.flush()
    return contact


async def delete_contact(session: AsyncSession, *, account_id: int, contact_id: int) -> None:
    await repo.delete_contact(session, await get_contact(session, account_id=account_id, contact_id=contact_id))


async def list_contacts(
    session: AsyncSession, *, account_id: int, search: str | None, phone: str | None, page: PageRequest
) -> tuple[int, Sequence[Contact]]:
    normalised = to_e164(phone) if phone else None
    return await repo.list_page(
        session,
        account_id=account_id,
        search=(search or "").strip() or None,
        phone=normalised,
        offset=page.offset,
        limit=page.page_size,
    )


async def _operator(session: AsyncSession, *, account_id: int, email: str) -> User:
    user = await accounts_repo.find_user_by_email(session, email.strip())
    if user is None or user.account_id != account_id:
        raise NotFound("There is no user with this email in this account.", code="user_not_found")
    return user


async def add_operator(session: AsyncSession, *, account_id: int, contact_id: int, email: str) -> Contact:
    contact = await get_contact(session, account_id=account_id, contact_id=contact_id)
    user = await _operator(session, account_id=account_id, email=email)
    await repo.assign(session, contact_id=contact.id, user_id=user.id)
    # Told to everyone: an operator who just lost the chat must drop it from their list.
    live.record(session, account_id=account_id, kind="chats")
    return contact


async def remove_operator(session: AsyncSession, *, account_id: int, contact_id: int, email: str) -> Contact:
    contact = await get_contact(session, account_id=account_id, contact_id=contact_id)
    user = await _operator(session, account_id=account_id, email=email)
    await repo.unassign(session, contact_id=contact.id, user_id=user.id)
    # Told to everyone: an operator who just lost the chat must drop it from their list.
    live.record(session, account_id=account_id, kind="chats")
    return contact


async def views(session: AsyncSession, contacts: Sequence[Contact]) -> list[ContactView]:
    """Every contact with its chat, operators and tags, in three queries whatever their number."""
    ids = [c.id for c in contacts]
    chats = (
        {chat.contact_id: chat for chat in (await session.scalars(select(Chat).where(Chat.contact_id.in_(ids)))).all()}
        if ids
        else {}
    )
    operators = await repo.operators_of(session, ids)
    tags = await repo.tags_of(session, ids)
    result = []
    for contact in contacts:
        chat = chats.get(contact.id)
        if chat is None:  # a contact made before chats were made with it
            chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=None)
        result.append(ContactView(contact, chat, operators.get(contact.id, []), tags.get(contact.id, [])))
    return result
