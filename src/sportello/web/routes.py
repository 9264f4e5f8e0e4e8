"""Pages of the full web app: sign in, sign out, Users & Roles."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from sportello.accounts import service as accounts_service
from sportello.accounts.deps import SESSION_COOKIE, MaybeSignedIn, SignedIn
from sportello.accounts.permissions import ASSIGNABLE_ROLES, can_manage_quick_replies, can_manage_users
from sportello.errors import RateLimited, Unauthorized
from sportello.kit.deps import AppSettings, AppThrottle, DbSession, client_address
from sportello.kit.i18n import catalog, language_from_accept, normalise_language, translate

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "html")
LOGIN_CSRF_COOKIE = "sportello_login_csrf"
LANGUAGE_COOKIE = "sportello_language"


def page_language(request: Request, signed_in: SignedIn | None = None) -> str:
    chosen = request.query_params.get("language") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen:
        return normalise_language(chosen)
    if signed_in is not None:
        return normalise_language(signed_in.user.language)
    return language_from_accept(request.headers.get("accept-language")) or "en"


def _safe_next(value: str | None) -> str:
    # Only a path on this site: never an absolute URL or a scheme-relative `//host`.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def render_page(
    request: Request, name: str, language: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    def t(key: str, **params: object) -> str:
        return translate(language, key, **params)

    response = templates.TemplateResponse(
        request, name, {"t": t, "language": language, **context}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("language"):
        # A language chosen in the address stays chosen on the next pages (the form's POST, redirects).
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def _login_page(
    request: Request, language: str, *, error: str | None = None, email: str = "", status_code: int = 200
) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    response = render_page(
        request,
        "login.html",
        language,
        {"csrf": csrf, "error": error, "email": email, "next": _safe_next(request.query_params.get("next"))},
        status_code,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="lax", path="/login")
    return response


@router.get("/")
async def home(signed_in: MaybeSignedIn) -> RedirectResponse:
    return RedirectResponse("/chats" if signed_in else "/login", status_code=303)


@router.get("/login")
async def login_page(request: Request, signed_in: MaybeSignedIn) -> Response:
    if signed_in is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request, page_language(request))


@router.post("/login")
async def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    throttle: AppThrottle,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    language = page_language(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return _login_page(
            request, language, error=translate(language, "login.form_expired"), email=email, status_code=400
        )
    try:
        user = await accounts_service.authenticate(
            session, email=email, password=password, source=client_address(request), throttle=throttle
        )
    except RateLimited as exc:
        throttled = _login_page(
            request, language, error=translate(language, "login.throttled"), email=email, status_code=429
        )
        throttled.headers["Retry-After"] = str(exc.retry_after)
        return throttled
    except Unauthorized:
        return _login_page(request, language, error=translate(language, "login.invalid"), email=email, status_code=401)
    token, _ = await accounts_service.start_login_session(
        session, user=user, signing_key=settings.signing_key, hours=settings.login_session_hours
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.login_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    signed_in: MaybeSignedIn,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if signed_in is not None and token and hmac.compare_digest(csrf.encode(), signed_in.login.csrf_token.encode()):
        await accounts_service.end_login_session(session, token=token, signing_key=settings.signing_key)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _shell(
    request: Request, signed_in: SignedIn, page: str, script: str, extra: dict[str, Any] | None = None
) -> HTMLResponse:
    language = page_language(request, signed_in)
    user = signed_in.user
    boot = {
        "page": page,
        "language": language,
        "csrf": signed_in.login.csrf_token,
        "catalog": catalog(language),
        "me": {"id": user.id, "name": user.name, "email": user.email, "role": user.role},
        **(extra or {}),
    }
    return render_page(
        request,
        "app.html",
        language,
        {"boot": boot, "page": page, "script": script, "user": user, "csrf": signed_in.login.csrf_token},
    )


@router.get("/users")
async def users_page(request: Request, signed_in: MaybeSignedIn) -> Response:
    if signed_in is None:
        return RedirectResponse("/login?next=/users", status_code=303)
    return _shell(
        request,
        signed_in,
        "users",
        "users.js",
        {
            "canManage": can_manage_users(signed_in.actor.role),
            "assignableRoles": [role.value for role in ASSIGNABLE_ROLES],
        },
    )


@router.get("/integrations")
async def integrations_page(request: Request, signed_in: MaybeSignedIn) -> Response:
    if signed_in is None:
        return RedirectResponse("/login?next=/integrations", status_code=303)
    return _shell(
        request, signed_in, "integrations", "integrations.js", {"canManage": can_manage_users(signed_in.actor.role)}
    )


@router.get("/quick-replies")
async def quick_replies_page(request: Request, signed_in: MaybeSignedIn) -> Response:
    if signed_in is None:
        return RedirectResponse("/login?next=/quick-replies", status_code=303)
    return _shell(
        request,
        signed_in,
        "quick_replies",
        "quick_replies.js",
        {"canManage": can_manage_quick_replies(signed_in.actor.role)},
    )
