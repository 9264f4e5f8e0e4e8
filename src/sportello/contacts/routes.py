"""Spoki's Contacts API: `/api/1/contacts/…`, with an approved `X-Spoki-Api-Key`. HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response, status

from sportello.chats import contact_chats
from sportello.chats import service as chats_service
from sportello.contacts import service
from sportello.contacts.models import Contact
from sportello.contacts.schemas import (
    ContactCreate,
    ContactPanelRead,
    ContactPanelUpdate,
    ContactRead,
    ContactUpdate,
    OperatorEmail,
)
from sportello.contacts.service import MAX_SYNC_ALL
from sportello.conversations.contact_shapes import contact_panel_read, contact_read, contact_views
from sportello.credentials.deps import ApiKeyCaller, ChatUuidInPath, PageViewerOfChat
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.pagination import Page, PageNumber, PageRequest, PageSize, page_links
from sportello.kit.schemas import ERROR_RESPONSES, MAX_ID
from sportello.settings import Settings

router = APIRouter(prefix="/api/1/contacts", tags=["contacts"], responses=ERROR_RESPONSES)
# The chat page's contact panel (a frame session or a signed-in person), under the chat it is opened from.
web_router = APIRouter(prefix="/web/api/chats", include_in_schema=False)
ContactId = Annotated[int, Path(ge=1, le=MAX_ID, description="The contact's id.")]


async def _one(session: DbSession, settings: Settings, contact: Contact) -> ContactRead:
    return contact_read((await contact_views(session, [contact]))[0], settings)


@router.get("/", summary="List contacts")
async def list_contacts(
    request: Request,
    caller: ApiKeyCaller,
    session: DbSession,
    settings: AppSettings,
    search: Annotated[str | None, Query(max_length=100, description="Name, email or part of the phone.")] = None,
    phone: Annotated[str | None, Query(max_length=40, description="Exactly this phone (any format).")] = None,
    user_id: Annotated[str | None, Query(max_length=140, description="Exactly this WhatsApp user id (BSUID).")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 25,
) -> Page[ContactRead]:
    """The integration pattern: `?search=<phone>` → `results[0].chat_link` → open it in the iframe."""
    paging = PageRequest(page=page, page_size=page_size)
    count, contacts = await service.list_contacts(
        session, account_id=caller.account_id, search=search, phone=phone, user_id=user_id, page=paging
    )
    next_url, previous_url = page_links(str(request.url), paging, count)
    views = await contact_views(session, contacts)
    return Page[ContactRead](
        count=count, next=next_url, previous=previous_url, results=[contact_read(v, settings) for v in views]
    )


@router.post("/", status_code=status.HTTP_201_CREATED, summary="Create a contact")
async def create_contact(
    body: ContactCreate, caller: ApiKeyCaller, session: DbSession, settings: AppSettings
) -> ContactRead:
    return await _one(
        session, settings, await contact_chats.create_contact(session, account_id=caller.account_id, data=body)
    )


@router.post(
    "/sync/",
    summary="Create or update a contact by phone or WhatsApp user id",
    responses={201: {"model": ContactRead, "description": "Created: no contact had this phone or user id."}},
)
async def sync_contact(
    body: ContactCreate, caller: ApiKeyCaller, session: DbSession, settings: AppSettings, response: Response
) -> ContactRead:
    contact, _, created = await contact_chats.sync_contact(session, account_id=caller.account_id, data=body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return await _one(session, settings, contact)


@router.post("/sync_all/", summary=f"Create or update up to {MAX_SYNC_ALL} contacts by phone")
async def sync_all(
    body: Annotated[list[ContactCreate], Body(max_length=MAX_SYNC_ALL)],
    caller: ApiKeyCaller,
    session: DbSession,
    settings: AppSettings,
) -> list[ContactRead]:
    contacts = await contact_chats.sync_all(session, account_id=caller.account_id, items=body)
    return [contact_read(v, settings) for v in await contact_views(session, contacts)]


@router.get("/{contact_id}/", summary="One contact")
async def get_contact(
    contact_id: ContactId, caller: ApiKeyCaller, session: DbSession, settings: AppSettings
) -> ContactRead:
    return await _one(
        session, settings, await service.get_contact(session, account_id=caller.account_id, contact_id=contact_id)
    )


@router.patch("/{contact_id}/", summary="Change a contact (also is_blocked)")
async def update_contact(
    contact_id: ContactId, body: ContactUpdate, caller: ApiKeyCaller, session: DbSession, settings: AppSettings
) -> ContactRead:
    contact = await service.update_contact(session, account_id=caller.account_id, contact_id=contact_id, data=body)
    return await _one(session, settings, contact)


@router.delete("/{contact_id}/", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a contact and its chat")
async def delete_contact(contact_id: ContactId, caller: ApiKeyCaller, session: DbSession) -> None:
    await service.delete_contact(session, account_id=caller.account_id, contact_id=contact_id)


@router.post("/{contact_id}/add_operator/", summary="Assign an operator (by email)")
async def add_operator(
    contact_id: ContactId, body: OperatorEmail, caller: ApiKeyCaller, session: DbSession, settings: AppSettings
) -> ContactRead:
    contact = await service.add_operator(session, account_id=caller.account_id, contact_id=contact_id, email=body.email)
    return await _one(session, settings, contact)


@router.post("/{contact_id}/remove_operator/", summary="Unassign an operator (by email)")
async def remove_operator(
    contact_id: ContactId, body: OperatorEmail, caller: ApiKeyCaller, session: DbSession, settings: AppSettings
) -> ContactRead:
    contact = await service.remove_operator(
        session, account_id=caller.account_id, contact_id=contact_id, email=body.email
    )
    return await _one(session, settings, contact)


@web_router.get("/{chat_uuid}/contact/")
async def web_chat_contact(
    chat_uuid: ChatUuidInPath, viewer: PageViewerOfChat, session: DbSession, settings: AppSettings
) -> ContactPanelRead:
    chat = await chats_service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    contact = await service.get_contact(session, account_id=chat.account_id, contact_id=chat.contact_id)
    return contact_panel_read((await contact_views(session, [contact]))[0], settings)


@web_router.patch("/{chat_uuid}/contact/")
async def web_update_chat_contact(
    chat_uuid: ChatUuidInPath,
    body: ContactPanelUpdate,
    viewer: PageViewerOfChat,
    session: DbSession,
    settings: AppSettings,
) -> ContactPanelRead:
    """Name, email, language, tags and the note of the chat's customer: whoever may see the chat."""
    chat = await chats_service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    contact = await contact_chats.update_from_chat(session, actor=viewer.actor, chat=chat, data=body)
    return contact_panel_read((await contact_views(session, [contact]))[0], settings)
