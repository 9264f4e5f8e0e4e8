"""Chats and their history over the API (`X-Spoki-Api-Key`). HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from sportello.accounts import service as accounts_service
from sportello.chats import service
from sportello.chats.models import Chat
from sportello.chats.repository import ChatFilter
from sportello.chats.schemas import Assignment, ChatFilters, Draft, Operator, TypingState, UnreadState
from sportello.conversations.chat_schemas import ChatList, ChatRead
from sportello.conversations.chat_shapes import chats_found, chats_read
from sportello.credentials.deps import (
    ApiKeyCaller,
    PageViewer,
    PageViewerOfChat,
    PageViewerOfChatList,
    PageViewerThatCanReplyInChat,
)
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.pagination import Page, PageNumber, PageRequest, PageSize, page_links
from sportello.kit.schemas import ERROR_RESPONSES
from sportello.messages import service as messages_service
from sportello.messages.schemas import MessageRead
from sportello.messages.shapes import messages_read
from sportello.read_receipts import service as read_receipts
from sportello.realtime import service as live

router = APIRouter(prefix="/api/1/chats", tags=["chats"], responses=ERROR_RESPONSES)
web_router = APIRouter(prefix="/web/api/chats", include_in_schema=False)
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
    return await _history(request, session, settings, chat, before, page_size)


async def _history(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    chat: Chat,
    before: int | None,
    page_size: int,
    *,
    after: int | None = None,
    around: str | None = None,
) -> Page[MessageRead]:
    """A page newest first. `next` goes back in time (`before`); `previous`, on a page that is not
    the newest (one opened `around` a message, or `after` one), forward in time (`after`)."""
    base = str(request.url.remove_query_params(["before", "after", "around"]))
    separator = "&" if "?" in base else "?"
    if around is not None:
        # The message a little above the middle: most of what follows it is in view too.
        found = await messages_service.history_around(
            session, chat=chat, uuid=around, older=page_size // 3, newer=page_size - page_size // 3 - 1
        )
        count, messages, older_more, newer_more = found.total, found.messages, found.has_older, found.has_newer
    else:
        count, messages = await messages_service.history(
            session, chat=chat, before_id=before, after_id=after, limit=page_size + 1
        )
        more = len(messages) > page_size
        # Forward pages are the `page_size` just after the cursor: the extra one is the newest.
        messages = messages[1:] if after is not None and more else messages[:page_size]
        older_more = more if after is None else bool(messages)
        newer_more = after is not None and more
    next_url = f"{base}{separator}before={messages[-1].id}" if older_more and messages else None
    previous_url = f"{base}{separator}after={messages[0].id}" if newer_more and messages else None
    return Page[MessageRead](
        count=count,
        next=next_url,
        previous=previous_url,
        results=await messages_read(session, messages, chat, settings.public_app_url, settings.public_api_url),
    )


# The web app's pages (a frame session or a signed-in person). A Chat Operator sees only their chats.


@web_router.get("/")
async def web_list_chats(
    request: Request,
    viewer: PageViewerOfChatList,
    session: DbSession,
    settings: AppSettings,
    search: Annotated[str, Query(max_length=100)] = "",
    unread: bool = False,
    mine: bool = False,
    operator: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    tag: Annotated[str, Query(max_length=100)] = "",
    page: PageNumber = 1,
    page_size: PageSize = 25,
) -> ChatList:
    """With a search, chats whose contact matches or that have a message containing it; each of
    the latter carries its newest such message (`matched_message`)."""
    searched = search.strip()
    account_id = viewer.actor.account_id
    chosen = ChatFilter(
        search=searched,
        unread_only=unread,
        operator_id=viewer.user.id if mine else operator,
        tag=tag.strip(),
        message_hits=messages_service.chats_with_text(session, account_id=account_id, search=searched)
        if searched
        else None,
    )
    paging = PageRequest(page=page, page_size=page_size)
    # Read first: the events up to it are in the count below, later ones move it at the page.
    last_event_id = await live.newest(session, account_id=account_id)
    count, chats = await service.list_for(session, actor=viewer.actor, chosen=chosen, page=paging)
    next_url, previous_url = page_links(str(request.url), paging, count)
    matched = (
        await messages_service.newest_matches(
            session, account_id=account_id, chat_ids=[chat.id for chat in chats], search=searched
        )
        if searched
        else {}
    )
    return ChatList(
        count=count,
        next=next_url,
        previous=previous_url,
        results=await chats_found(session, chats, settings, matched),
        page=page,
        has_filters=bool(chosen.search or chosen.unread_only or chosen.operator_id or chosen.tag),
        unread_chats=await service.unread_chat_count(session, actor=viewer.actor),
        last_event_id=last_event_id,
    )


@web_router.get("/unread/")
async def web_unread(viewer: PageViewer, session: DbSession) -> UnreadState:
    """Every page tells its host whether any chat is unread, the chat list toggle or not."""
    last_event_id = await live.newest(session, account_id=viewer.actor.account_id)
    count = await service.unread_chat_count(session, actor=viewer.actor)
    return UnreadState(has_unread_chats=count > 0, unread_chats=count, last_event_id=last_event_id)


@web_router.post("/read_all/")
async def web_read_all(viewer: PageViewerOfChatList, session: DbSession) -> UnreadState:
    await service.read_all(session, actor=viewer.actor)
    return await web_unread(viewer, session)


@web_router.get("/filters/")
async def web_filters(viewer: PageViewer, session: DbSession) -> ChatFilters:
    users = await accounts_service.list_users(session, actor=viewer.actor)
    return ChatFilters(
        operators=[Operator(id=u.id, name=u.name, role=u.role.value) for u in users if u.is_active],
        tags=list(await service.tag_names(session, account_id=viewer.user.account_id)),
    )


@web_router.get("/{chat_uuid}/")
async def web_get_chat(
    chat_uuid: ChatUuid, viewer: PageViewerOfChat, session: DbSession, settings: AppSettings
) -> ChatRead:
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    return (await chats_read(session, [chat], settings))[0]


@web_router.get("/{chat_uuid}/messages/")
async def web_chat_messages(
    request: Request,
    chat_uuid: ChatUuid,
    viewer: PageViewerOfChat,
    session: DbSession,
    settings: AppSettings,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    after: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    around: Annotated[str | None, Query(pattern="^[0-9a-f]{32}$")] = None,
    page_size: PageSize = 30,
) -> Page[MessageRead]:
    """`around=<message uuid>` opens the page that holds that message (a search's hit)."""
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    return await _history(request, session, settings, chat, before, page_size, after=after, around=around)


@web_router.get("/{chat_uuid}/messages/search/")
async def web_search_in_chat(
    chat_uuid: ChatUuid,
    viewer: PageViewerOfChat,
    session: DbSession,
    settings: AppSettings,
    q: Annotated[str, Query(max_length=100)] = "",
) -> list[MessageRead]:
    """The chat's messages with words starting with those of `q`, newest first (at most 50)."""
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    if not q.strip():
        return []
    found = await messages_service.search_in_chat(session, chat=chat, search=q.strip(), limit=50)
    return await messages_read(session, found, chat, settings.public_app_url, settings.public_api_url)


@web_router.post("/{chat_uuid}/read/")
async def web_mark_read(chat_uuid: ChatUuid, viewer: PageViewerOfChat, session: DbSession) -> UnreadState:
    """The agent has the chat in front of them: unread no more, and the customer's newest
    message is marked read at Meta (blue ticks) when the account sends read receipts."""
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    await service.mark_read(session, chat=chat)
    await read_receipts.mark_read(session, chat=chat)
    await session.flush()
    return await web_unread(viewer, session)


@web_router.post("/{chat_uuid}/typing/")
async def web_typing(chat_uuid: ChatUuid, viewer: PageViewerThatCanReplyInChat, session: DbSession) -> TypingState:
    """The agent is typing a reply: the customer sees "typing…" (and their message read)."""
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    return TypingState(typing=await read_receipts.show_typing(session, chat=chat))


@web_router.get("/{chat_uuid}/draft/")
async def web_draft(chat_uuid: ChatUuid, viewer: PageViewerThatCanReplyInChat, session: DbSession) -> Draft:
    """The agent's unsent reply in this chat, from any page or frame of theirs."""
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    return Draft(text=await service.draft_of(session, actor=viewer.actor, chat=chat))


@web_router.put("/{chat_uuid}/draft/")
async def web_keep_draft(
    chat_uuid: ChatUuid, body: Draft, viewer: PageViewerThatCanReplyInChat, session: DbSession
) -> Draft:
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    return Draft(text=await service.keep_draft(session, actor=viewer.actor, chat=chat, text=body.text))


@web_router.post("/{chat_uuid}/unread/")
async def web_mark_unread(chat_uuid: ChatUuid, viewer: PageViewerOfChat, session: DbSession) -> UnreadState:
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    await service.mark_unread(session, chat=chat)
    await session.flush()
    return await web_unread(viewer, session)


@web_router.post("/{chat_uuid}/assign/")
async def web_assign(
    chat_uuid: ChatUuid, body: Assignment, viewer: PageViewerOfChat, session: DbSession, settings: AppSettings
) -> ChatRead:
    chat = await service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    await service.assign(session, actor=viewer.actor, chat=chat, user_id=body.user_id)
    await session.flush()
    return (await chats_read(session, [chat], settings))[0]
