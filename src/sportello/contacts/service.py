"""The rules of contacts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.accounts.actor import Actor
from sportello.accounts.models import User
from sportello.accounts.permissions import can_edit_contacts
from sportello.contacts import repository as repo
from sportello.contacts.models import Contact
from sportello.contacts.schemas import ContactCreate, ContactPanelUpdate, ContactUpdate
from sportello.errors import Conflict, Forbidden, InvalidInput, NotFound
from sportello.kit.pagination import PageRequest
from sportello.kit.phones import to_e164
from sportello.realtime import service as live

MAX_SYNC_ALL = 500
MAX_NAME = 100
MAX_TAG = 100
MAX_TAGS = 50
MAX_NOTE = 4000
# A language as the REST API stores it: `it`, `pt_BR`, `pt-BR`; or none.
LANGUAGE = re.compile(r"^([a-z]{2,3}([_-][A-Za-z]{2,4})?)?$")
_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)


async def find_whatsapp_user(
    session: AsyncSession, *, account_id: int, phone: str | None, user_id: str
) -> tuple[Contact | None, Contact | None]:
    """The contacts a webhook's identity names: (by BSUID, by phone). Two different ones are the
    same person known twice, first by phone and later by BSUID: the caller merges them."""
    by_user = await repo.find_by_user_id(session, account_id=account_id, user_id=user_id) if user_id else None
    by_phone = await repo.find_by_phone(session, account_id=account_id, phone=phone) if phone else None
    return by_user, by_phone


async def upsert_from_whatsapp(
    session: AsyncSession,
    *,
    account_id: int,
    phone: str | None,
    profile_name: str,
    user_id: str = "",
    parent_user_id: str = "",
    username: str = "",
    found: tuple[Contact | None, Contact | None] | None = None,
) -> Contact:
    """The contact who wrote (or is written to), found by BSUID first, then by phone; created on
    first sight with WhatsApp's profile name as first name (what the inbox shows). What Meta
    tells is learnt: a phone for a contact known only by BSUID (a contact book pair), a BSUID
    for one known by phone, the profile name and username; the names people typed are never
    overwritten. Should phone and BSUID name two contacts, merge them first (`find_whatsapp_user`).
    `found`: what `find_whatsapp_user` just answered for this identity, not to ask it again."""
    if not phone and not user_id:
        raise InvalidInput("A WhatsApp user has a phone or a user id.", code="no_whatsapp_identity")
    if found is None:
        found = await find_whatsapp_user(session, account_id=account_id, phone=phone, user_id=user_id)
    by_user, by_phone = found
    contact = by_user or by_phone
    if contact is None:
        try:
            async with session.begin_nested():
                contact = await repo.insert(
                    session,
                    Contact(
                        account_id=account_id,
                        phone=phone,
                        whatsapp_user_id=user_id or None,
                        parent_user_id=parent_user_id[:140],
                        username=username[:100],
                        profile_name=profile_name[:200],
                        first_name=profile_name.strip()[:100],
                    ),
                )
            return contact
        except IntegrityError:
            # Another webhook of the same burst created it first.
            by_user, by_phone = await find_whatsapp_user(session, account_id=account_id, phone=phone, user_id=user_id)
            contact = by_user or by_phone
            assert contact is not None
    if phone and contact.phone != phone and (by_phone is None or by_phone.id == contact.id):
        contact.phone = phone
    if user_id and contact.whatsapp_user_id != user_id:
        contact.whatsapp_user_id = user_id
    learn_profile(contact, profile_name=profile_name, parent_user_id=parent_user_id, username=username)
    return contact


def learn_profile(contact: Contact, *, profile_name: str, parent_user_id: str = "", username: str = "") -> None:
    """What Meta tells of a WhatsApp user besides who they are; the names people typed stay."""
    if parent_user_id:
        contact.parent_user_id = parent_user_id[:140]
    if username and contact.username != username:
        contact.username = username[:100]
    if profile_name and contact.profile_name != profile_name:
        contact.profile_name = profile_name[:200]


async def change_number(
    session: AsyncSession, *, contact: Contact, phone: str | None, user_id: str, parent_user_id: str
) -> None:
    """Meta's `user_changed_number`: the new phone, and the new BSUID that comes with it (M-BSUID).
    The caller has merged away any other contact that had them."""
    if phone:
        contact.phone = phone
    if user_id:
        contact.whatsapp_user_id = user_id
        contact.parent_user_id = parent_user_id[:140]
    await session.flush()


async def absorb(session: AsyncSession, *, keep: Contact, gone: Contact) -> None:
    """`gone` was `keep` known another way (by phone, `keep` by BSUID): `keep` takes its phone,
    what people typed that `keep` lacks, its tags and operators; then `gone` is deleted. Its
    chat's messages must have been moved already (the chat goes with it)."""
    for field in ("first_name", "last_name", "email", "language", "profile_name", "username"):
        if not getattr(keep, field) and getattr(gone, field):
            setattr(keep, field, getattr(gone, field))
    keep.is_blocked = keep.is_blocked or gone.is_blocked
    await repo.move_tags_and_operators(session, from_contact_id=gone.id, to_contact_id=keep.id)
    phone, user_id = gone.phone, gone.whatsapp_user_id
    await repo.delete_contact(session, gone)
    if keep.phone is None and phone:
        keep.phone = phone
    if keep.whatsapp_user_id is None and user_id:
        keep.whatsapp_user_id = user_id
    await session.flush()
    live.record(session, account_id=keep.account_id, kind="chats")


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


def _identity(data: ContactCreate) -> tuple[str | None, str | None]:
    """(phone in E.164, BSUID): one of them at least; E.164 whenever a phone is given."""
    if not data.phone and not data.user_id:
        raise InvalidInput("Give the contact's phone (or their WhatsApp user id).", field="phone")
    return (to_e164(data.phone) if data.phone else None), data.user_id


async def _find(session: AsyncSession, *, account_id: int, phone: str | None, user_id: str | None) -> Contact | None:
    found = await repo.find_by_phone(session, account_id=account_id, phone=phone) if phone else None
    if found is None and user_id:
        found = await repo.find_by_user_id(session, account_id=account_id, user_id=user_id)
    return found


async def create_contact(session: AsyncSession, *, account_id: int, data: ContactCreate) -> Contact:
    """The contact alone; `chats.contact_chats` opens its chat beside it."""
    phone, user_id = _identity(data)
    if await _find(session, account_id=account_id, phone=phone, user_id=user_id) is not None:
        raise Conflict(
            f"A contact with the {'phone ' + phone if phone else 'user id ' + str(user_id)} already exists: "
            "use sync to update it.",
            code="contact_exists",
        )
    contact = await repo.insert(session, Contact(account_id=account_id, phone=phone, whatsapp_user_id=user_id))
    _apply(contact, data)
    await repo.set_tags(session, contact=contact, names=data.tags)
    return contact


async def sync_contact(session: AsyncSession, *, account_id: int, data: ContactCreate) -> tuple[Contact, bool]:
    """Create the contact with this phone (or user id), or update the one that has it. Returns
    (contact, created)."""
    phone, user_id = _identity(data)
    contact = await _find(session, account_id=account_id, phone=phone, user_id=user_id)
    if contact is None:
        return await create_contact(session, account_id=account_id, data=data), True
    _apply(contact, data)
    if data.tags:
        await repo.set_tags(session, contact=contact, names=data.tags)
    return contact, False


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
    session: AsyncSession,
    *,
    account_id: int,
    search: str | None,
    phone: str | None,
    page: PageRequest,
    user_id: str | None = None,
) -> tuple[int, Sequence[Contact]]:
    normalised = to_e164(phone) if phone else None
    return await repo.list_page(
        session,
        account_id=account_id,
        search=(search or "").strip() or None,
        phone=normalised,
        user_id=(user_id or "").strip() or None,
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


def tag_name(typed: str) -> str:
    """`#vip` as the list shows it is the tag `vip`."""
    return typed.strip().lstrip("#").strip()


def checked_panel(data: ContactPanelUpdate) -> ContactPanelUpdate:
    """The panel's fields, each refused with its own code (the page says it in the agent's language)."""
    for field in ("first_name", "last_name"):
        value = getattr(data, field)
        if value is not None and len(value) > MAX_NAME:
            raise InvalidInput(f"A name is at most {MAX_NAME} characters.", code="contact_name_too_long", field=field)
    if data.email:
        try:
            _EMAIL.validate_python(data.email)
        except ValidationError:
            raise InvalidInput("This is not an email address.", code="invalid_email", field="email") from None
    if data.language is not None and not LANGUAGE.match(data.language):
        raise InvalidInput(
            "Write the language as a code such as it, en or es.", code="invalid_language", field="language"
        )
    if data.tags is not None:
        if len(data.tags) > MAX_TAGS:
            raise InvalidInput(f"A contact has at most {MAX_TAGS} tags.", code="too_many_tags", field="tags")
        if any(not 0 < len(tag_name(tag)) <= MAX_TAG for tag in data.tags):
            raise InvalidInput(f"A tag is 1 to {MAX_TAG} characters.", code="invalid_tag", field="tags")
    if data.note is not None and len(data.note) > MAX_NOTE:
        raise InvalidInput(f"The note is at most {MAX_NOTE} characters.", code="note_too_long", field="note")
    return data


async def update_from_panel(
    session: AsyncSession, *, actor: Actor, contact_id: int, data: ContactPanelUpdate
) -> Contact:
    """The chat page's contact panel: name, email, language, tags (new ones made on the way) and the
    note. Only the fields sent change."""
    if not can_edit_contacts(actor.role):
        raise Forbidden("Your role may not change contacts.", code="permission_denied")
    checked_panel(data)
    contact = await get_contact(session, account_id=actor.account_id, contact_id=contact_id)
    sent = data.model_fields_set
    for field in ("first_name", "last_name", "language", "note"):
        value = getattr(data, field)
        if field in sent and value is not None:
            setattr(contact, field, value.strip())
    if "email" in sent:
        contact.email = (data.email or "").strip().lower()
    if data.tags is not None:
        await repo.set_tags(session, contact=contact, names=[tag_name(tag) for tag in data.tags])
    await session.flush()
    return contact
