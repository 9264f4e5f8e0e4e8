"""The rules of quick replies: who may change them, one title per account, and how a text's
`{{fields}}` are filled from a chat's contact."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.accounts.permissions import can_manage_quick_replies
from sportello.chats import service as chats_service
from sportello.contacts import service as contacts_service
from sportello.contacts.models import Contact
from sportello.errors import Conflict, Forbidden, NotFound
from sportello.kit.pagination import PageRequest
from sportello.quick_replies import repository as repo
from sportello.quick_replies.models import QuickReply
from sportello.quick_replies.schemas import QuickReplyCreate, QuickReplyUpdate

FIELD = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# How many the composer's picker shows at once: enough to choose from, few enough to fit a frame.
PICKER_LIMIT = 20


def ensure_may_manage(actor: Actor) -> None:
    if not can_manage_quick_replies(actor.role):
        raise Forbidden(
            "Quick replies are managed by the Owner, Administrators and Chat Managers.",
            code="quick_reply_changes_not_allowed",
        )


def contact_fields(contact: Contact) -> dict[str, str]:
    name = f"{contact.first_name} {contact.last_name}".strip() or contact.profile_name or contact.username
    first, last = contact.first_name, contact.last_name
    if not last:
        # A contact made from a webhook has WhatsApp's whole profile name as its first name, and
        # no last name: "Hi {{first_name}}" greets "Giulia", not "Giulia Rossi".
        first, _, last = first.strip().partition(" ")
    return {
        "first_name": first or (name.split(" ")[0] if name else ""),
        "last_name": last.strip(),
        "name": name,
        "phone": contact.phone or "",
        "email": contact.email,
    }


def fill(text: str, fields: dict[str, str]) -> str:
    """The text with each known field filled. A field unknown, or known but empty for this contact,
    stays as written: the agent sees it before sending and completes it by hand."""
    return FIELD.sub(lambda m: fields.get(m.group(1)) or m.group(0), text)


async def list_quick_replies(
    session: AsyncSession, *, account_id: int, search: str | None, page: PageRequest
) -> tuple[int, Sequence[QuickReply]]:
    return await repo.list_page(session, account_id=account_id, search=search, offset=page.offset, limit=page.page_size)


async def get_quick_reply(session: AsyncSession, *, account_id: int, quick_reply_id: int) -> QuickReply:
    found = await repo.find(session, account_id=account_id, quick_reply_id=quick_reply_id)
    if found is None:
        raise NotFound("There is no such quick reply in this account.", code="quick_reply_not_found")
    return found


async def _ensure_title_free(session: AsyncSession, *, account_id: int, title: str, own_id: int | None) -> None:
    same = await repo.find_by_title(session, account_id=account_id, title=title)
    if same is not None and same.id != own_id:
        raise Conflict(f'There is already a quick reply named "{title}".', code="quick_reply_title_taken")


async def create_quick_reply(session: AsyncSession, *, account_id: int, data: QuickReplyCreate) -> QuickReply:
    await _ensure_title_free(session, account_id=account_id, title=data.title, own_id=None)
    return await repo.insert(session, QuickReply(account_id=account_id, title=data.title, text=data.text))


async def update_quick_reply(
    session: AsyncSession, *, account_id: int, quick_reply_id: int, data: QuickReplyUpdate
) -> QuickReply:
    quick_reply = await get_quick_reply(session, account_id=account_id, quick_reply_id=quick_reply_id)
    if data.title is not None:
        await _ensure_title_free(session, account_id=account_id, title=data.title, own_id=quick_reply.id)
        quick_reply.title = data.title
    if data.text is not None:
        quick_reply.text = data.text
    await session.flush()
    return quick_reply


async def delete_quick_reply(session: AsyncSession, *, account_id: int, quick_reply_id: int) -> None:
    quick_reply = await get_quick_reply(session, account_id=account_id, quick_reply_id=quick_reply_id)
    await repo.delete(session, quick_reply)


async def list_for_chat(
    session: AsyncSession, *, actor: Actor, chat_uuid: str, search: str | None
) -> list[tuple[QuickReply, str]]:
    """What the composer's picker offers in one chat the actor may see: each reply with its text
    filled from that chat's contact."""
    chat = await chats_service.get_visible_chat(session, actor=actor, uuid=chat_uuid)
    contact = await contacts_service.get_contact(session, account_id=actor.account_id, contact_id=chat.contact_id)
    fields = contact_fields(contact)
    _, found = await repo.list_page(session, account_id=actor.account_id, search=search, offset=0, limit=PICKER_LIMIT)
    return [(quick_reply, fill(quick_reply.text, fields)) for quick_reply in found]
