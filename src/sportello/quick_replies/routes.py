"""Quick replies over the API (`X-Spoki-Api-Key`) and for the web app's pages. HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from sportello.credentials.deps import ApiKeyCaller, PageViewer, PageViewerThatCanReplyInChat
from sportello.kit.deps import DbSession
from sportello.kit.pagination import Page, PageNumber, PageRequest, PageSize, page_links
from sportello.kit.schemas import ERROR_RESPONSES, MAX_ID
from sportello.quick_replies import service
from sportello.quick_replies.deps import PageViewerThatCanManageQuickReplies
from sportello.quick_replies.models import QuickReply
from sportello.quick_replies.schemas import QuickReplyCreate, QuickReplyForChat, QuickReplyRead, QuickReplyUpdate

router = APIRouter(prefix="/api/1/quick_replies", tags=["quick replies"], responses=ERROR_RESPONSES)
web_router = APIRouter(prefix="/web/api", include_in_schema=False)
QuickReplyId = Annotated[int, Path(ge=1, le=MAX_ID, description="The quick reply's id.")]
Search = Annotated[str | None, Query(max_length=100, description="Part of the title or of the text.")]


def quick_reply_read(quick_reply: QuickReply) -> QuickReplyRead:
    return QuickReplyRead(
        id=quick_reply.id,
        title=quick_reply.title,
        text=quick_reply.text,
        created_datetime=quick_reply.created_at,
        updated_datetime=quick_reply.updated_at,
    )


async def _page(
    request: Request, session: DbSession, account_id: int, search: str | None, paging: PageRequest
) -> Page[QuickReplyRead]:
    count, found = await service.list_quick_replies(session, account_id=account_id, search=search, page=paging)
    next_url, previous_url = page_links(str(request.url), paging, count)
    return Page[QuickReplyRead](
        count=count, next=next_url, previous=previous_url, results=[quick_reply_read(q) for q in found]
    )


@router.get("/", summary="List quick replies")
async def list_quick_replies(
    request: Request,
    caller: ApiKeyCaller,
    session: DbSession,
    search: Search = None,
    page: PageNumber = 1,
    page_size: PageSize = 25,
) -> Page[QuickReplyRead]:
    """The account's saved answers, by title."""
    return await _page(request, session, caller.account_id, search, PageRequest(page, page_size))


@router.post("/", status_code=status.HTTP_201_CREATED, summary="Create a quick reply")
async def create_quick_reply(body: QuickReplyCreate, caller: ApiKeyCaller, session: DbSession) -> QuickReplyRead:
    """A title taken in the account (whatever its case) answers 409 `quick_reply_title_taken`."""
    return quick_reply_read(await service.create_quick_reply(session, account_id=caller.account_id, data=body))


@router.get("/{quick_reply_id}/", summary="One quick reply")
async def get_quick_reply(quick_reply_id: QuickReplyId, caller: ApiKeyCaller, session: DbSession) -> QuickReplyRead:
    return quick_reply_read(
        await service.get_quick_reply(session, account_id=caller.account_id, quick_reply_id=quick_reply_id)
    )


@router.patch("/{quick_reply_id}/", summary="Change a quick reply")
async def update_quick_reply(
    quick_reply_id: QuickReplyId, body: QuickReplyUpdate, caller: ApiKeyCaller, session: DbSession
) -> QuickReplyRead:
    return quick_reply_read(
        await service.update_quick_reply(
            session, account_id=caller.account_id, quick_reply_id=quick_reply_id, data=body
        )
    )


@router.delete("/{quick_reply_id}/", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a quick reply")
async def delete_quick_reply(quick_reply_id: QuickReplyId, caller: ApiKeyCaller, session: DbSession) -> None:
    await service.delete_quick_reply(session, account_id=caller.account_id, quick_reply_id=quick_reply_id)


# The web app: the management page (a signed-in person) and the composer's picker (any page).


@web_router.get("/quick_replies/")
async def web_list_quick_replies(
    request: Request,
    viewer: PageViewer,
    session: DbSession,
    search: Search = None,
    page: PageNumber = 1,
    page_size: PageSize = 100,
) -> Page[QuickReplyRead]:
    return await _page(request, session, viewer.user.account_id, search, PageRequest(page, page_size))


@web_router.post("/quick_replies/", status_code=status.HTTP_201_CREATED)
async def web_create_quick_reply(
    body: QuickReplyCreate, viewer: PageViewerThatCanManageQuickReplies, session: DbSession
) -> QuickReplyRead:
    return quick_reply_read(await service.create_quick_reply(session, account_id=viewer.user.account_id, data=body))


@web_router.patch("/quick_replies/{quick_reply_id}/")
async def web_update_quick_reply(
    quick_reply_id: QuickReplyId,
    body: QuickReplyUpdate,
    viewer: PageViewerThatCanManageQuickReplies,
    session: DbSession,
) -> QuickReplyRead:
    return quick_reply_read(
        await service.update_quick_reply(
            session, account_id=viewer.user.account_id, quick_reply_id=quick_reply_id, data=body
        )
    )


@web_router.delete("/quick_replies/{quick_reply_id}/", status_code=status.HTTP_204_NO_CONTENT)
async def web_delete_quick_reply(
    quick_reply_id: QuickReplyId, viewer: PageViewerThatCanManageQuickReplies, session: DbSession
) -> None:
    await service.delete_quick_reply(session, account_id=viewer.user.account_id, quick_reply_id=quick_reply_id)


@web_router.get("/chats/{chat_uuid}/quick_replies/")
async def web_quick_replies_for_chat(
    chat_uuid: str, viewer: PageViewerThatCanReplyInChat, session: DbSession, search: Search = None
) -> list[QuickReplyForChat]:
    """The composer's `/` picker: the replies matching what follows the `/`, filled for this chat's contact."""
    found = await service.list_for_chat(session, actor=viewer.actor, chat_uuid=chat_uuid, search=search)
    return [QuickReplyForChat(id=q.id, title=q.title, text=text) for q, text in found]
