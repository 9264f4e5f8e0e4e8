"""The operator's pages: sign in, the API key requests with approve and reject, the outbox."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from sportello.accounts import service as accounts_service
from sportello.credentials.models import ApiKeyStatus
from sportello.credentials.service import api_keys
from sportello.errors import Forbidden, NotFound, RateLimited
from sportello.kit.deps import AppSettings, AppThrottle, DbSession, client_address
from sportello.kit.schemas import MAX_ID
from sportello.kit.throttle import Limit
from sportello.mail import service as mail_service
from sportello.operator_console import session as operator_session
from sportello.operator_console.models import OperatorSession

router = APIRouter(prefix="/operator", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "web" / "html")
LOGIN_LIMIT = Limit(attempts=10, window_seconds=900)


def _require_enabled(settings: AppSettings) -> None:
    if not operator_session.enabled(settings):
        raise NotFound(
            "The operator console is off: set SPORTELLO_OPERATOR_USERNAME and SPORTELLO_OPERATOR_PASSWORD.",
            code="operator_console_off",
        )


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login")
async def login_page(request: Request, settings: AppSettings) -> Response:
    _require_enabled(settings)
    return _render(request, "operator_login.html", {"error": None})


@router.post("/login")
async def login(
    request: Request,
    settings: AppSettings,
    session: DbSession,
    throttle: AppThrottle,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _require_enabled(settings)
    keys = [f"operator:addr:{client_address(request)}"]
    try:
        await throttle.ensure_not_throttled(keys, LOGIN_LIMIT, message="Too many failed attempts. Try again later.")
    except RateLimited as exc:
        throttled = _render(request, "operator_login.html", {"error": exc.detail}, status_code=429)
        throttled.headers["Retry-After"] = str(exc.retry_after)
        return throttled
    if not operator_session.credentials_match(settings, username, password):
        await throttle.record_failure(keys, LOGIN_LIMIT)
        return _render(
            request, "operator_login.html", {"error": "The username or the password is not right."}, status_code=401
        )
    response = RedirectResponse("/operator", status_code=303)
    response.set_cookie(
        operator_session.COOKIE,
        await operator_session.start_session(session, settings),
        max_age=operator_session.LIFETIME_SECONDS,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/operator",
    )
    return response


async def _signed_in(request: Request, settings: AppSettings, session: DbSession) -> OperatorSession | None:
    return await operator_session.find_session(session, settings, request.cookies.get(operator_session.COOKIE))


def _check_csrf(signed_in: OperatorSession, csrf: str) -> None:
    if not hmac.compare_digest(csrf.encode(), signed_in.csrf_token.encode()):
        raise Forbidden("This page is out of date. Reload it and try again.", code="csrf_failed")


@router.post("/logout")
async def logout(request: Request, settings: AppSettings, session: DbSession) -> Response:
    """Ends the sign-in on the server too: a copy of the cookie no longer opens the console."""
    await operator_session.end_session(session, settings, request.cookies.get(operator_session.COOKIE))
    response = RedirectResponse("/operator/login", status_code=303)
    response.delete_cookie(operator_session.COOKIE, path="/operator")
    return response


@router.get("")
async def console(request: Request, settings: AppSettings, session: DbSession) -> Response:
    _require_enabled(settings)
    signed_in = await _signed_in(request, settings, session)
    if signed_in is None:
        return RedirectResponse("/operator/login", status_code=303)
    accounts = {account.id: account.name for account, _ in await accounts_service.list_accounts(session)}
    keys = await api_keys.list_for_operator(session)
    return _render(
        request,
        "operator.html",
        {
            "csrf": signed_in.csrf_token,
            "pending": [k for k in keys if k.status is ApiKeyStatus.PENDING],
            "decided": [k for k in keys if k.status is not ApiKeyStatus.PENDING],
            "accounts": accounts,
            "outbox": await mail_service.list_outbox(session, limit=50),
            "smtp": bool(settings.smtp_host),
            "notice": request.query_params.get("notice"),
        },
    )


async def _decide(request: Request, settings: AppSettings, session: DbSession, csrf: str) -> None:
    _require_enabled(settings)
    signed_in = await _signed_in(request, settings, session)
    if signed_in is None:
        raise Forbidden("Sign in to the operator console first.", code="not_authenticated")
    _check_csrf(signed_in, csrf)


KeyId = Annotated[int, Form(ge=1, le=MAX_ID)]


@router.post("/api-keys/approve")
async def approve(
    request: Request,
    settings: AppSettings,
    session: DbSession,
    key_id: KeyId,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    await _decide(request, settings, session, csrf)
    await api_keys.approve_api_key(session, key_id=key_id)
    return RedirectResponse(f"/operator?notice=approved-{key_id}", status_code=303)


@router.post("/api-keys/reject")
async def reject(
    request: Request,
    settings: AppSettings,
    session: DbSession,
    key_id: KeyId,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    await _decide(request, settings, session, csrf)
    await api_keys.reject_api_key(session, key_id=key_id, reason=reason)
    return RedirectResponse(f"/operator?notice=rejected-{key_id}", status_code=303)
