"""The rules of chats."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role
from sportello.accounts.permissions import sees_only_assigned_chats
from sportello.chats import repository as repo
from sportello.chats.models import Chat
from sportello.chats.repository import ChatFilter
from sportello.contacts import repository as contacts_repo
from sportello.contacts.models import Contact
from sportello.errors import Forbidden, InvalidInput, NotFound
from sportello.kit.pagination import PageRequest
from sportello.realtime import service as live


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


def absorb(keep: Chat, gone: Chat, *, last_message_id: int | None) -> None:
    """`keep` takes over `gone`'s counters once its messages were moved in (one customer, one chat)."""
    keep.unread_count += gone.unread_count
    if gone.last_inbound_at is not None:
        keep.last_inbound_at = max(keep.last_inbound_at or gone.last_inbound_at, gone.last_inbound_at)
    keep.whatsapp_number_id = keep.whatsapp_number_id or gone.whatsapp_number_id
    keep.last_message_id = last_message_id or keep.last_message_id
    keep.updated_at = max(keep.updated_at, gone.updated_at)


def note_sent(session: AsyncSession, chat: Chat, *, message_id: int, message_uuid: str, at: datetime) -> None:
    """A message the business wrote is the chat's newest; pages are told of both."""
    chat.last_message_id = message_id
    chat.updated_at = at
    live.record_chat(session, chat, kind="message", ref=message_uuid)


def note_received(
    session: AsyncSession,
    chat: Chat,
    *,
    message_id: int | None,
    message_uuid: str,
    sent_at: datetime,
    opens_window: bool,
    unread: bool,
) -> None:
    """A message from the customer: it opens (or extends) the 24-hour window when it is theirs
    and not WhatsApp's notice, counts as unread unless it is a reaction or a notice, and becomes
    the chat's last message when given its id (`message_id`; `None` when it shows nothing, a
    removed reaction, or when it has no id yet: then `note_last_message` once it has). Pages are
    told."""
    if opens_window and (chat.last_inbound_at is None or sent_at > chat.last_inbound_at):
        chat.last_inbound_at = sent_at
    if unread:
        chat.unread_count += 1
    if message_id is not None:
        chat.last_message_id = message_id
    chat.updated_at = datetime.now(UTC)
    live.record_chat(session, chat, kind="message", ref=message_uuid)


def note_last_message(chat: Chat, *, message_id: int) -> None:
    """The chat's last message, told once it has its id (a batch of webhooks writes its messages
    together, after `note_received`)."""
    chat.last_message_id = message_id


async def may_see(session: AsyncSession, *, actor: Actor, chat: Chat) -> bool:
    """Everyone of the account sees its chats, but a Chat Operator only those assigned to them."""
    if chat.account_id != actor.account_id:
        return False
    if not sees_only_assigned_chats(actor.role):
        return True
    return await contacts_repo.is_assigned(session, contact_id=chat.contact_id, user_id=actor.user_id)


async def operators_if_visible(session: AsyncSession, *, actor: Actor, uuid: str) -> list[int] | None:
    """The ids of the users assigned to the chat, when the actor may see it; `None` when not (or
    no such chat): what telling the actor's presence in it needs."""
    chat = await repo.find_by_uuid(session, account_id=actor.account_id, uuid=uuid)
    if chat is None or not await may_see(session, actor=actor, chat=chat):
        return None
    operators = await contacts_repo.operators_of(session, [chat.contact_id])
    return [user.id for user in operators.get(chat.contact_id, [])]


# As long as a message may be (the composer's limit).
MAX_DRAFT = 4096


async def draft_of(session: AsyncSession, *, actor: Actor, chat: Chat) -> str:
    """What the actor typed in the chat and did not send ("" for nothing); the caller checked
    that they may see the chat."""
    draft = await repo.find_draft(session, user_id=actor.user_id, chat_id=chat.id)
    return draft.text if draft is not None and draft.account_id == actor.account_id else ""


async def keep_draft(session: AsyncSession, *, actor: Actor, chat: Chat, text: str) -> str:
    """The actor's draft in the chat, replaced (nothing but spaces: forgotten)."""
    if len(text) > MAX_DRAFT:
        raise InvalidInput(f"A draft is at most {MAX_DRAFT} characters.", code="draft_too_long", field="text")
    if not text.strip():
        await repo.delete_draft(session, user_id=actor.user_id, chat_id=chat.id)
        return ""
    await repo.save_draft(session, user_id=actor.user_id, chat_id=chat.id, account_id=chat.account_id, text=text)
    return text


async def forget_draft(session: AsyncSession, *, user_id: int, chat_id: int) -> None:
    """A message was sent from the composer: what was typed there is gone."""
    await repo.delete_draft(session, user_id=user_id, chat_id=chat_id)


async def get_chat(session: AsyncSession, *, account_id: int, uuid: str) -> Chat:
    chat = await repo.find_by_uuid(session, account_id=account_id, uuid=uuid)
    if chat is None:
        raise NotFound("There is no such chat in this account.", code="chat_not_found")
    return chat


async def list_chats(session: AsyncSession, *, account_id: int, page: PageRequest) -> tuple[int, Sequence[Chat]]:
    return await repo.list_page(
        session, account_id=account_id, only_assigned_to=None, offset=page.offset, limit=page.page_size
    )


def _bound(actor: Actor) -> int | None:
    return actor.user_id if sees_only_assigned_chats(actor.role) else None


async def list_for(
    session: AsyncSession, *, actor: Actor, chosen: ChatFilter, page: PageRequest
) -> tuple[int, Sequence[Chat]]:
    """The web app's chat list: a Chat Operator's is bounded to their chats whatever the filter says."""
    bounded = replace(chosen, only_assigned_to=_bound(actor))
    return await repo.list_filtered(
        session, account_id=actor.account_id, chosen=bounded, offset=page.offset, limit=page.page_size
    )


async def unread_chat_count(session: AsyncSession, *, actor: Actor) -> int:
    return await repo.count_unread(session, account_id=actor.account_id, only_assigned_to=_bound(actor))


async def get_visible_chat(session: AsyncSession, *, actor: Actor, uuid: str) -> Chat:
    """A chat the actor may see; 404 for one of another account or not assigned to an operator."""
    chat = await repo.find_by_uuid(session, account_id=actor.account_id, uuid=uuid)
    if chat is None or not await may_see(session, actor=actor, chat=chat):
        raise NotFound("There is no such chat, or it is not assigned to you.", code="chat_not_found")
    return chat


async def mark_read(session: AsyncSession, *, chat: Chat) -> None:
    if chat.unread_count:
        chat.unread_count = 0
        live.record_chat(session, chat)


async def mark_unread(session: AsyncSession, *, chat: Chat) -> None:
    """ "Mark as unread": the chat shows as unread until someone opens it again."""
    if not chat.unread_count:
        chat.unread_count = 1
        live.record_chat(session, chat)


async def read_all(session: AsyncSession, *, actor: Actor) -> int:
    chats = await repo.unread_chats(session, account_id=actor.account_id, only_assigned_to=_bound(actor))
    # Noted before the update, which sets the counts without telling: each event says "became read".
    for chat in chats:
        live.record_chat(session, chat)
    await repo.clear_unread(session, chat_ids=[chat.id for chat in chats])
    return len(chats)


async def assign(session: AsyncSession, *, actor: Actor, chat: Chat, user_id: int | None) -> None:
    """Hand the chat to one operator of the account (or to no one). A Chat Operator may only take
    an unassigned chat for themselves or give theirs up; the others hand chats to anyone."""
    target = (
        await accounts_service.find_user_in_account(session, account_id=actor.account_id, user_id=user_id)
        if user_id is not None
        else None
    )
    current = await contacts_repo.operators_of(session, [chat.contact_id])
    current_ids = [user.id for user in current.get(chat.contact_id, [])]
    if actor.role is Role.CHAT_OPERATOR and (
        (target is not None and target.id != actor.user_id) or any(uid != actor.user_id for uid in current_ids)
    ):
        raise Forbidden("A Chat Operator can take a free chat or give up their own, not reassign.", code="forbidden")
    lost = [uid for uid in current_ids if target is None or uid != target.id]
    for uid in lost:
        await contacts_repo.unassign(session, contact_id=chat.contact_id, user_id=uid)
    if target is not None:
        await contacts_repo.assign(session, contact_id=chat.contact_id, user_id=target.id)
    live.record_assignment(session, chat, lost_by=lost)


async def tag_names(session: AsyncSession, *, account_id: int) -> Sequence[str]:
    return await repo.tag_names(session, account_id=account_id)
