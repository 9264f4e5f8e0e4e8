"""CORS for the API: the guide calls the handshake with `fetch` from the host page.

A preflight carries no API key, so it is answered for origins that some approved key allows;
the real request is then checked against its own key (`deps._api_key`), and only a response
the key's origin may read gets `Access-Control-Allow-Origin`."""

from __future__ import annotations

import json

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sportello.credentials.origins import normalise_origin
from sportello.credentials.service import api_keys
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings

API_PREFIX = "/api/1/"
ALLOWED_HEADERS = "Content-Type, X-Spoki-Api-Key, Authorization"
ALLOWED_METHODS = "GET, POST, PATCH, PUT, DELETE, OPTIONS"


def request_origin_is_own(request: Request, settings: Settings) -> bool:
    origin = normalise_origin(request.headers.get("origin", ""))
    own = {normalise_origin(settings.public_app_url), normalise_origin(settings.public_api_url)}
    host = request.headers.get("host")
    if host:
        own.add(normalise_origin(f"{request.url.scheme}://{host}"))
    return origin is not None and origin in own


class ApiCors:
    def __init__(self, app: ASGIApp, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessionmaker = sessionmaker

    async def _allowed_by_some_key(self, origin: str) -> bool:
        normalised = normalise_origin(origin)
        if normalised is None:
            return False
        async with unit_of_work(self.sessionmaker) as session:
            any_origin, listed = await api_keys.approved_origins(session)
        return any_origin or normalised in listed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state", {})
                allowed = state.get("cors_allowed_origin") == origin
                # Errors before a key was known (unknown key, bad body) are readable by origins
                # some approved key allows, so integrators see why they failed.
                if not allowed and "cors_allowed_origin" not in state and message["status"] >= 400:
                    allowed = await self._allowed_by_some_key(origin)
                if allowed:
                    response_headers = MutableHeaders(scope=message)
                    response_headers["Access-Control-Allow-Origin"] = origin
                    response_headers.append("Vary", "Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, origin: str, send: Send) -> None:
        if await self._allowed_by_some_key(origin):
            headers = [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                (b"access-control-max-age", b"600"),
                (b"vary", b"Origin"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = json.dumps(
            {"detail": "No approved API key allows this web origin.", "code": "origin_not_allowed"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
