"""Chats and their history over the API (`X-Spoki-Api-Key`). HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from sportello.chats import service
from sportello.chats.schemas import ChatRead
from sportello.chats.shapes import chats_read
from sportello.credentials.deps import ApiKeyCaller
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.pagination import Page, PageNumber, PageRequest, PageSize, page_links
from sportello.kit.schemas import ERROR_RESPONSES
from sportello.messages import service as messages_service
from sportello.messages.schemas import MessageRead
from sportello.messages.shapes import messages_read

router = APIRouter(prefix="/api/1/chats", tags=["chats"], responses=ERROR_RESPONSES)
ChatUuid = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="The chat's uuid (from chat_link).")]


@router.get("/", summary="List chats, most recent first")
async def list_chats(
    request: Request,
    caller: ApiKeyCaller,
    session: DbSession,
    settings: AppSettings,
    page: PageNumber = 1,
    page_size: PageSize = 25,
) -> Page[ChatRead]:
    paging = PageRequest(page=page, page_size=page_size)
    count, chats = await service.list_chats(session, account_id=caller.account_id, page=paging)
    next_url, previous_url = page_links(str(request.url), paging, count)
    return Page[ChatRead](
        count=count, next=next_url, previous=previous_url, results=await chats_read(session, chats, settings)
    )


@router.get("/{chat_uuid}/", summary="One chat")
async def get_chat(chat_uuid: ChatUuid, caller: ApiKeyCaller, session: DbSession, settings: AppSettings) -> ChatRead:
    chat = await service.get_chat(session, account_id=caller.account_id, uuid=chat_uuid)
    return (await chats_read(session, [chat], settings))[0]


@router.get("/{chat_uuid}/messages/", summary="A chat's history, newest first")
async def chat_messages(
    request: Request,
    chat_uuid: ChatUuid,
    caller: ApiKeyCaller,
    session: DbSession,
    settings: AppSettings,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="The cursor of `next`: older than this.")] = None,
    page_size: PageSize = 25,
) -> Page[MessageRead]:
    """Pages go back in time with a cursor (`before`), so a page never shifts when new messages arrive."""
    chat = await service.get_chat(session, account_id=caller.account_id, uuid=chat_uuid)
    count, messages = await messages_service.history(session, chat=chat, before_id=before, limit=page_size + 1)
    more = len(messages) > page_size
    messages = messages[:page_size]
    base = str(request.url.remove_query_params(["before"]))
    separator = "&" if "?" in base else "?"
    next_url = f"{base}{separator}before={messages[-1].id}" if more and messages else None
    return Page[MessageRead](
        count=count,
        next=next_url,
        previous=None,
        results=await messages_read(session, messages, chat, settings.public_app_url, settings.public_api_url),
    )
