"""The demo CRM's ASGI app: its customer page, the guide's page, and the two backend calls the
page makes (`/customers`, `/token`), which hold the API key and the private keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import BaseModel, StringConstraints
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sportello.demo.crm.config import CrmConfig
from sportello.demo.crm.guide import guide_snippet
from sportello.demo.crm.sportello_api import SportelloApi, SportelloRefused

_HERE = Path(__file__).parent
_templates = Jinja2Templates(directory=_HERE / "html")
LANGUAGES = (("en", "English"), ("it", "Italiano"), ("es", "Español"))
TOGGLES = (
    ("can_view_chat_list", "Open the chat list from a chat"),
    ("can_reply_in_chat", "Reply in the chat"),
    ("can_send_paypal_in_chat", "Send PayPal payment requests"),
)


class TokenWanted(BaseModel):
    uid: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    # What this CRM user may do in the frame: bound to the token as its ceiling, so whoever copies
    # the iframe's address cannot widen it (a real CRM decides this from its own user's rights).
    can_view_chat_list: bool = True
    can_reply_in_chat: bool = True
    can_send_paypal_in_chat: bool = True


class UnknownUser(Exception):
    pass


def page_csp(config: CrmConfig) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        f"frame-src {config.app_origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class _SecurityHeaders:
    """Every answer gets the customer page's CSP unless a route set its own (the guide's page)."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_crm_app(config: CrmConfig) -> FastAPI:
    if not config.users:
        raise ValueError("The demo CRM needs at least one service user to act for.")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=10) as client:
            app.state.sportello = SportelloApi(config, client)
            yield

    app = FastAPI(title="Demo CRM", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(_SecurityHeaders, csp=page_csp(config))
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    def sportello(request: Request) -> SportelloApi:
        api: SportelloApi = request.app.state.sportello
        return api

    @app.exception_handler(SportelloRefused)
    async def refused(_request: Request, exc: SportelloRefused) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "code": exc.code}, status_code=exc.status_code)

    @app.exception_handler(UnknownUser)
    async def unknown_user(_request: Request, _exc: UnknownUser) -> JSONResponse:
        return JSONResponse({"detail": "This CRM does not act for that user.", "code": "unknown_user"}, 404)

    @app.get("/", response_class=HTMLResponse)
    async def customers_page(request: Request) -> HTMLResponse:
        return _templates.TemplateResponse(
            request,
            "index.html",
            # Only what the browser may know: never the config itself, which holds the keys.
            {
                "app_url": config.app_url,
                "app_origin": config.app_origin,
                "users": [(user.uid, user.name, user.role) for user in config.users],
                "languages": LANGUAGES,
                "toggles": TOGGLES,
            },
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/guide", response_class=HTMLResponse)
    async def guide_page(request: Request) -> HTMLResponse:
        snippet = guide_snippet(config, config.users[0])
        # Markup: the guide's own code goes into the page as code; the values filled into it are
        # escaped for a JS string inside <script> by guide_snippet.
        style = Markup(snippet.style)  # noqa: S704
        script = Markup(snippet.script)  # noqa: S704
        return _templates.TemplateResponse(
            request,
            "guide.html",
            {"user": config.users[0], "style": style, "script": script},
            headers={"Cache-Control": "no-store", "Content-Security-Policy": snippet.content_security_policy(config)},
        )

    @app.get("/customers")
    async def customers(request: Request) -> JSONResponse:
        found = await sportello(request).list_customers()
        return JSONResponse(
            {
                "count": found.count,
                "customers": [{"name": c.name, "phone": c.phone, "chat_uuid": c.chat_uuid} for c in found.customers],
            },
            headers={"Cache-Control": "no-store"},
        )

    @app.post("/token")
    async def token(request: Request, wanted: TokenWanted) -> JSONResponse:
        """Mints a fresh single-use token for the user the page chose; nothing secret goes back."""
        user = config.find_user(wanted.uid)
        if user is None:
            raise UnknownUser
        ceiling = wanted.model_dump(exclude={"uid"})
        minted = await sportello(request).mint_token(user, ceiling=ceiling)
        return JSONResponse(minted, headers={"Cache-Control": "no-store"})

    return app
