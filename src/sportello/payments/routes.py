"""PayPal over HTTP: the account's settings (Integrations page), payment requests in a chat (the
PayPal tab), their list over the API, and the short link customers open. HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from sportello.accounts.deps import SignedInUser
from sportello.chats import service as chats_service
from sportello.credentials.deps import ApiKeyCaller, PageViewer, PageViewerOfChat, PageViewerThatCanSendPaypalInChat
from sportello.errors import NotFound
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.i18n import language_from_accept, translate
from sportello.kit.pagination import Page, PageNumber, PageRequest, PageSize, page_links
from sportello.kit.schemas import ERROR_RESPONSES
from sportello.payments import service
from sportello.payments.currencies import DECIMALS, ordered_for
from sportello.payments.models import PaypalSettings
from sportello.payments.schemas import (
    Currency,
    PaymentRequestIn,
    PaymentRequestRead,
    PaypalSettingsIn,
    PaypalSettingsOut,
)
from sportello.payments.shapes import requests_read
from sportello.templates.routes import GraphDep

api_router = APIRouter(prefix="/api/1", tags=["payment requests"], responses=ERROR_RESPONSES)
web_router = APIRouter(prefix="/web/api", include_in_schema=False)
pay_router = APIRouter(include_in_schema=False)
ChatUuid = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]


def _settings_out(
    found: PaypalSettings | None, default_templates: list[int] | None = None, notice: str = ""
) -> PaypalSettingsOut:
    currency = found.default_currency if found else "EUR"
    return PaypalSettingsOut(
        enabled=bool(found and found.enabled),
        email=found.email if found else "",
        default_currency=currency,
        currencies=[Currency(code=code, decimals=DECIMALS[code]) for code in ordered_for(currency)],
        default_templates=default_templates or [],
        notice=notice,
    )


@web_router.get("/paypal/")
async def paypal_settings(viewer: PageViewer, session: DbSession) -> PaypalSettingsOut:
    return _settings_out(await service.get_settings(session, account_id=viewer.user.account_id))


@web_router.put("/paypal/")
async def enable_paypal(
    body: PaypalSettingsIn, signed_in: SignedInUser, session: DbSession, settings: AppSettings, graph: GraphDep
) -> PaypalSettingsOut:
    enabled = await service.enable(
        session,
        actor=signed_in.actor,
        email=str(body.email),
        default_currency=body.default_currency,
        app_url=settings.public_app_url,
        graph=graph,
    )
    return _settings_out(enabled.settings, enabled.default_templates, enabled.notice)


@web_router.delete("/paypal/", status_code=status.HTTP_204_NO_CONTENT)
async def disable_paypal(signed_in: SignedInUser, session: DbSession) -> None:
    await service.disable(session, actor=signed_in.actor)


@web_router.post("/chats/{chat_uuid}/payment_requests/", status_code=status.HTTP_201_CREATED)
async def send_payment_request(
    chat_uuid: ChatUuid,
    body: PaymentRequestIn,
    viewer: PageViewerThatCanSendPaypalInChat,
    session: DbSession,
    settings: AppSettings,
) -> PaymentRequestRead:
    chat = await chats_service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    request, _ = await service.send(
        session,
        actor=viewer.actor,
        chat=chat,
        template_id=body.template,
        amount=body.amount,
        currency=body.currency,
        description=body.description,
        app_url=settings.public_app_url,
    )
    await session.flush()
    return (await requests_read(session, [request], settings.public_app_url))[0]


@web_router.get("/chats/{chat_uuid}/payment_requests/")
async def chat_payment_requests(
    chat_uuid: ChatUuid, viewer: PageViewerOfChat, session: DbSession, settings: AppSettings
) -> list[PaymentRequestRead]:
    chat = await chats_service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    _, requests = await service.list_requests(
        session, account_id=chat.account_id, chat_id=chat.id, page=PageRequest(page=1, page_size=100)
    )
    return await requests_read(session, requests, settings.public_app_url)


@api_router.get("/payment_requests/", summary="List payment requests, newest first")
async def list_payment_requests(
    request: Request,
    caller: ApiKeyCaller,
    session: DbSession,
    settings: AppSettings,
    chat_uuid: Annotated[str | None, Query(pattern="^[0-9a-f]{32}$")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 25,
) -> Page[PaymentRequestRead]:
    """Every PayPal payment request sent from a chat: amount, currency, description, who sent it,
    and whether (and when) the customer opened its link."""
    chat_id = None
    if chat_uuid:
        chat_id = (await chats_service.get_chat(session, account_id=caller.account_id, uuid=chat_uuid)).id
    paging = PageRequest(page=page, page_size=page_size)
    count, requests = await service.list_requests(session, account_id=caller.account_id, chat_id=chat_id, page=paging)
    next_url, previous_url = page_links(str(request.url), paging, count)
    return Page[PaymentRequestRead](
        count=count,
        next=next_url,
        previous=previous_url,
        results=await requests_read(session, requests, settings.public_app_url),
    )


@pay_router.get("/pay/{public_id}", response_model=None)
async def open_payment_link(
    public_id: str, request: Request, session: DbSession, settings: AppSettings
) -> RedirectResponse | HTMLResponse:
    """The link in the customer's message: counted, then a redirect to PayPal's payment page."""
    try:
        found = await service.open_link(session, public_id=public_id)
    except NotFound:
        language = language_from_accept(request.headers.get("accept-language")) or "en"
        text = translate(language, "pay.not_found")
        page = f'<!doctype html><html lang="{language}"><meta charset="utf-8"><title>{text}</title><p>{text}</p></html>'
        return HTMLResponse(page, status_code=404, headers={"Cache-Control": "no-store"})
    return RedirectResponse(
        service.paypal_url(found, settings.paypal_checkout_url),
        status_code=status.HTTP_303_SEE_OTHER,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
