"""Builds the wire `Contact` (REST API, and inside `Chat`): the contact with its chat, its
assigned operators and its tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.models import User
from sportello.chats import repository as chats_repo
from sportello.chats import service as chats_service
from sportello.chats.models import Chat
from sportello.contacts import repository as contacts_repo
from sportello.contacts.models import Contact
from sportello.contacts.schemas import AssignedOperator, ContactPanelRead, ContactRead
from sportello.settings import Settings


@dataclass(frozen=True)
class ContactView:
    """A contact with what its wire shape shows: the chat, the assigned operators, the tags."""

    contact: Contact
    chat: Chat
    operators: list[User]
    tags: list[str]


async def contact_views(
    session: AsyncSession, contacts: Sequence[Contact], *, chats: Mapping[int, Chat] | None = None
) -> list[ContactView]:
    """Every contact with its chat, operators and tags, in three queries whatever their number;
    `chats`: the contacts' chats (by contact id) when the caller has them already."""
    ids = [c.id for c in contacts]
    known = chats or {}
    found = await chats_repo.of_contacts(session, [i for i in ids if i not in known])
    chats = {**found, **{i: known[i] for i in ids if i in known}}
    operators = await contacts_repo.operators_of(session, ids)
    tags = await contacts_repo.tags_of(session, ids)
    result = []
    for contact in contacts:
        chat = chats.get(contact.id)
        if chat is None:  # a contact made before chats were made with it
            chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=None)
        result.append(ContactView(contact, chat, operators.get(contact.id, []), tags.get(contact.id, [])))
    return result


def contact_read(view: ContactView, settings: Settings) -> ContactRead:
    contact = view.contact
    return ContactRead(
        id=contact.id,
        phone=contact.phone or "",
        user_id=contact.whatsapp_user_id or "",
        username=contact.username,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        language=contact.language,
        status=contact.status,
        is_blocked=contact.is_blocked,
        chat_uuid=view.chat.uuid,
        chat_link=f"{settings.public_app_url}/chats/{view.chat.uuid}",
        role_set=[AssignedOperator(id=u.id, email=u.email, name=u.name, role=u.role) for u in view.operators],
        tag_set=view.tags,
        list_set=[],
        created_datetime=contact.created_at,
    )


def contact_panel_read(view: ContactView, settings: Settings) -> ContactPanelRead:
    return ContactPanelRead(**contact_read(view, settings).model_dump(), note=view.contact.note)
