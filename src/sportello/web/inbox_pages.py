"""The embeddable pages: `chats`, `chats/<uuid>` and `templates` (CONTRACT §3).

One address, three ways in: with `auth_token`/`auth_uid` (a host just minted a token), with
`frame` (an embedded frame reloading; its session is in that frame's storage), or as the full web
app of a signed-in person. The first two never show branding or navigation and may be framed by
the API key's allowed origins; the full app may not be framed at all."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.deps import MaybeSignedIn
from sportello.credentials.service import api_keys, handshake
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.i18n import catalog, normalise_language
from sportello.web.routes import page_language, render_page
from sportello.web.security_headers import content_security_policy

router = APIRouter(include_in_schema=False)
Page = Literal["chats", "chat", "templates"]


def _frame_ancestors(origins: list[str]) -> str:
    return " ".join(origins) if origins else "*"


async def _framing(session: AsyncSession, request: Request, signing_key: bytes) -> str:
    """`frame-ancestors` for a page that will run in a frame."""
    origins = await handshake.framing_origins(
        session,
        token=request.query_params.get("auth_token"),
        frame_id=request.query_params.get("frame"),
        signing_key=signing_key,
    )
    if origins is not None:
        return _frame_ancestors(origins)
    # The page names no key: it can only say "session expired", so any approved host may show it.
    any_origin, listed = await api_keys.approved_origins(session)
    if any_origin:
        return "*"
    return " ".join(sorted(listed)) if listed else "'none'"


async def _page(
    request: Request,
    session: AsyncSession,
    signed_in: Any,
    signing_key: bytes,
    page: Page,
    chat_uuid: str = "",
) -> Response:
    params = request.query_params
    nav_page = "chats" if page == "chat" else page
    framed = bool(params.get("auth_token") or params.get("frame"))
    # A frame that lost its address (or a host that forgot the token) is told so inside the frame;
    # the full app's cookie is never used inside someone else's page.
    in_iframe = request.headers.get("sec-fetch-dest") == "iframe"
    if framed or in_iframe:
        language = normalise_language(params.get("language"))
        boot: dict[str, Any] = {
            "mode": "frame" if framed else "expired",
            "page": page,
            "chatUuid": chat_uuid,
            "language": language,
            "catalog": catalog(language),
        }
        response = render_page(
            request, "inbox.html", language, {"boot": boot, "page": page, "nav_page": nav_page, "mode": boot["mode"]}
        )
        response.headers["Content-Security-Policy"] = content_security_policy(
            await _framing(session, request, signing_key)
        )
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    if signed_in is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    language = page_language(request, signed_in)
    user = signed_in.user
    boot = {
        "mode": "app",
        "page": page,
        "chatUuid": chat_uuid,
        "language": language,
        "csrf": signed_in.login.csrf_token,
        "catalog": catalog(language),
    }
    return render_page(
        request,
        "inbox.html",
        language,
        {
            "boot": boot,
            "page": page,
            "nav_page": nav_page,
            "mode": "app",
            "user": user,
            "csrf": signed_in.login.csrf_token,
        },
    )


@router.get("/chats")
async def chats_page(request: Request, session: DbSession, settings: AppSettings, signed_in: MaybeSignedIn) -> Response:
    return await _page(request, session, signed_in, settings.signing_key, "chats")


@router.get("/chats/{chat_uuid}")
async def chat_page(
    chat_uuid: str, request: Request, session: DbSession, settings: AppSettings, signed_in: MaybeSignedIn
) -> Response:
    # A malformed uuid still gets the page, which says "no such chat" in the user's language.
    return await _page(request, session, signed_in, settings.signing_key, "chat", chat_uuid[:64])


@router.get("/templates")
async def templates_page(
    request: Request, session: DbSession, settings: AppSettings, signed_in: MaybeSignedIn
) -> Response:
    return await _page(request, session, signed_in, settings.signing_key, "templates")
