"""The rules of chats."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.accounts.permissions import sees_only_assigned_chats
from sportello.chats import repository as repo
from sportello.chats.models import Chat
from sportello.contacts import repository as contacts_repo
from sportello.contacts.models import Contact
from sportello.errors import NotFound
from sportello.kit.pagination import PageRequest


def new_uuid() -> str:
    return uuid.uuid4().hex


async def ensure_chat(session: AsyncSession, *, contact: Contact, whatsapp_number_id: int | None) -> Chat:
    chat = await repo.find_by_contact(session, account_id=contact.account_id, contact_id=contact.id)
    if chat is None:
        try:
            async with session.begin_nested():
                chat = await repo.insert(
                    session,
                    Chat(
                        uuid=new_uuid(),
                        account_id=contact.account_id,
                        contact_id=contact.id,
                        whatsapp_number_id=whatsapp_number_id,
                    ),
                )
        except IntegrityError:
            chat = await repo.find_by_contact(session, account_id=contact.account_id, contact_id=contact.id)
            assert chat is not None
    if chat.whatsapp_number_id is None and whatsapp_number_id is not None:
        chat.whatsapp_number_id = whatsapp_number_id
    return chat


async def may_see(session: AsyncSession, *, actor: Actor, chat: Chat) -> bool:
    """Everyone of the account sees its chats, but a Chat Operator only those assigned to them."""
    if chat.account_id != actor.account_id:
        return False
    if not sees_only_assigned_chats(actor.role):
        return True
    return await contacts_repo.is_assigned(session, contact_id=chat.contact_id, user_id=actor.user_id)


async def get_chat(session: AsyncSession, *, account_id: int, uuid: str) -> Chat:
    chat = await repo.find_by_uuid(session, account_id=account_id, uuid=uuid)
    if chat is None:
        raise NotFound("There is no such chat in this account.", code="chat_not_found")
    return chat


async def list_chats(session: AsyncSession, *, account_id: int, page: PageRequest) -> tuple[int, Sequence[Chat]]:
    return await repo.list_page(
        session, account_id=account_id, only_assigned_to=None, offset=page.offset, limit=page.page_size
    )
