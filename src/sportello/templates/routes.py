"""Templates over the API (`X-Spoki-Api-Key`): drafts, Meta's review, clones. HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status

from sportello.credentials.deps import ApiKeyCaller, PageViewer, PageViewerThatCanChangeTemplates
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.pagination import Page, PageNumber, PageRequest, PageSize, page_links
from sportello.kit.schemas import ERROR_RESPONSES, MAX_ID
from sportello.templates import service
from sportello.templates.schemas import TemplateCreate, TemplateRead, TemplateUpdate
from sportello.templates.shapes import template_read
from sportello.whatsapp.client import GraphApiClient

router = APIRouter(prefix="/api/1/templates", tags=["templates"], responses=ERROR_RESPONSES)
web_router = APIRouter(prefix="/web/api/templates", include_in_schema=False)
TemplateId = Annotated[int, Path(ge=1, le=MAX_ID, description="The template's id.")]


async def _graph(request: Request, settings: AppSettings) -> service.Graph:
    client = GraphApiClient(
        request.app.state.workers.http, base_url=settings.graph_api_base_url, version=settings.graph_api_version
    )
    return service.Graph(client=client, box=request.app.state.secret_box)


GraphDep = Annotated[service.Graph, Depends(_graph)]


@router.get("/", summary="List templates")
async def list_templates(
    request: Request,
    caller: ApiKeyCaller,
    session: DbSession,
    search: Annotated[str | None, Query(max_length=100)] = None,
    page: PageNumber = 1,
    page_size: PageSize = 25,
) -> Page[TemplateRead]:
    return await _page_of_templates(request, session, caller.account_id, search, PageRequest(page, page_size))


async def _page_of_templates(
    request: Request, session: DbSession, account_id: int, search: str | None, paging: PageRequest
) -> Page[TemplateRead]:
    count, templates = await service.list_templates(session, account_id=account_id, search=search, page=paging)
    next_url, previous_url = page_links(str(request.url), paging, count)
    return Page[TemplateRead](
        count=count, next=next_url, previous=previous_url, results=[template_read(t) for t in templates]
    )


@router.post("/", status_code=status.HTTP_201_CREATED, summary="Create a draft")
async def create_template(body: TemplateCreate, caller: ApiKeyCaller, session: DbSession) -> TemplateRead:
    """Checked as Meta checks: name, lengths, `%%CODE%%` placeholders not at the start or end,
    an example for each, and enough fixed text around them."""
    return template_read(await service.create_draft(session, account_id=caller.account_id, data=body))


@router.get("/{template_id}/", summary="One template")
async def get_template(template_id: TemplateId, caller: ApiKeyCaller, session: DbSession) -> TemplateRead:
    return template_read(await service.get_template(session, account_id=caller.account_id, template_id=template_id))


@router.patch("/{template_id}/", summary="Change a draft or a rejected template")
async def update_template(
    template_id: TemplateId, body: TemplateUpdate, caller: ApiKeyCaller, session: DbSession
) -> TemplateRead:
    return template_read(
        await service.update_template(session, account_id=caller.account_id, template_id=template_id, data=body)
    )


@router.delete("/{template_id}/", status_code=status.HTTP_204_NO_CONTENT, summary="Delete (also at Meta)")
async def delete_template(template_id: TemplateId, caller: ApiKeyCaller, session: DbSession, graph: GraphDep) -> None:
    await service.delete_template(session, account_id=caller.account_id, template_id=template_id, graph=graph)


@router.post("/{template_id}/submit/", summary="Request Meta's approval")
async def submit_template(
    template_id: TemplateId, caller: ApiKeyCaller, session: DbSession, graph: GraphDep
) -> TemplateRead:
    return template_read(
        await service.submit(session, account_id=caller.account_id, template_id=template_id, graph=graph)
    )


@router.post("/{template_id}/back_to_draft/", summary="A rejected template back to draft")
async def back_to_draft(template_id: TemplateId, caller: ApiKeyCaller, session: DbSession) -> TemplateRead:
    return template_read(await service.back_to_draft(session, account_id=caller.account_id, template_id=template_id))


@router.post("/{template_id}/clone/", status_code=status.HTTP_201_CREATED, summary="Copy as a new draft")
async def clone_template(template_id: TemplateId, caller: ApiKeyCaller, session: DbSession) -> TemplateRead:
    return template_read(await service.clone(session, account_id=caller.account_id, template_id=template_id))


# The web app's templates page (a frame session or a signed-in person).


@web_router.get("/")
async def web_list_templates(
    request: Request,
    viewer: PageViewer,
    session: DbSession,
    search: Annotated[str | None, Query(max_length=100)] = None,
    page: PageNumber = 1,
    page_size: PageSize = 100,
) -> Page[TemplateRead]:
    return await _page_of_templates(request, session, viewer.user.account_id, search, PageRequest(page, page_size))


@web_router.post("/", status_code=status.HTTP_201_CREATED)
async def web_request_template(
    body: TemplateCreate, viewer: PageViewerThatCanChangeTemplates, session: DbSession
) -> TemplateRead:
    """The page's request form saves a draft, then submits it: when Meta refuses it at once, the
    draft stays, so it can be fixed and sent again."""
    template = await service.create_draft(session, account_id=viewer.user.account_id, data=body)
    return template_read(template)


@web_router.patch("/{template_id}/")
async def web_change_template(
    template_id: TemplateId, body: TemplateUpdate, viewer: PageViewerThatCanChangeTemplates, session: DbSession
) -> TemplateRead:
    """The page's form, editing a rejected template (or a draft) before it is submitted again."""
    template = await service.update_template(
        session, account_id=viewer.user.account_id, template_id=template_id, data=body
    )
    return template_read(template)


@web_router.post("/{template_id}/submit/")
async def web_submit_template(
    template_id: TemplateId, viewer: PageViewerThatCanChangeTemplates, session: DbSession, graph: GraphDep
) -> TemplateRead:
    return template_read(
        await service.submit(session, account_id=viewer.user.account_id, template_id=template_id, graph=graph)
    )


@web_router.delete("/{template_id}/", status_code=status.HTTP_204_NO_CONTENT)
async def web_delete_template(
    template_id: TemplateId, viewer: PageViewerThatCanChangeTemplates, session: DbSession, graph: GraphDep
) -> None:
    await service.delete_template(session, account_id=viewer.user.account_id, template_id=template_id, graph=graph)
