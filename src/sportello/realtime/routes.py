"""The live WebSocket of the web app's pages: `/web/live/`.

The page says who it is in its first message (a frame's bearer secret, or nothing and the login
cookie of the full app) and the id of the last event it has. It is then sent every event it may
see after that id, as they are committed, and a `resync` when what it missed is gone from the log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.deps import SESSION_COOKIE
from sportello.credentials import scope
from sportello.credentials.models import FrameSession
from sportello.credentials.origins import normalise_origin
from sportello.credentials.service import handshake
from sportello.db.unit_of_work import unit_of_work
from sportello.errors import Unauthorized
from sportello.realtime import service
from sportello.realtime.bus import LocalBus
from sportello.settings import Settings

router = APIRouter()
logger = logging.getLogger(__name__)

HELLO_TIMEOUT_SECONDS = 10
# Notices can be lost (another process, Redis away): a listener also looks this often.
POLL_SECONDS = 5.0
# A session that ends is closed at once when its end is announced on the bus (a new private key, a
# revoked API key, a removed user); one that merely expires, or whose notice was lost, within this time.
RECHECK_SECONDS = 60.0
# Ids are handed out at insert, not at commit: a transaction that commits late can land below the
# cursor. Looking this far back and skipping what was sent catches it.
LOOK_BACK = 50
EXPIRED_CLOSE_CODE = 4401
EXPIRED_CLOSE_REASON = "session_expired"


@dataclass(frozen=True)
class _Credentials:
    frame_secret: str | None
    login_token: str | None


def _own_origin(websocket: WebSocket, settings: Settings) -> bool:
    origin = normalise_origin(websocket.headers.get("origin", ""))
    own = {normalise_origin(settings.public_app_url)}
    host = websocket.headers.get("host")
    if host:
        scheme = "https" if websocket.url.scheme == "wss" else "http"
        own.add(normalise_origin(f"{scheme}://{host}"))
    return origin is not None and origin in own


@dataclass(frozen=True)
class _Identity:
    audience: service.Audience
    # A frame's API key: its revocation closes the socket too.
    api_key_id: int | None


def _chat_of_frame(frame: FrameSession) -> str | None:
    """The one chat a frame may hear of ("" for none), or `None` for every chat its role sees:
    the same answer `credentials.scope` gives the REST reads."""
    reachable = scope.reachable_chats(frame)
    if reachable is None:
        return None
    return reachable[0] if reachable else ""


async def _identify(session: AsyncSession, credentials: _Credentials, settings: Settings) -> _Identity:
    if credentials.frame_secret is not None:
        frame, user, api_key = await handshake.resolve_frame_session(
            session, secret=credentials.frame_secret, signing_key=settings.signing_key
        )
        audience = service.Audience(actor=Actor.of(user), only_chat_uuid=_chat_of_frame(frame))
        return _Identity(audience=audience, api_key_id=api_key.id)
    if credentials.login_token:
        found = await accounts_service.find_login_session(
            session, token=credentials.login_token, signing_key=settings.signing_key
        )
        if found is not None:
            return _Identity(audience=service.Audience(actor=Actor.of(found[1])), api_key_id=None)
    raise Unauthorized("Your session has ended.", code="session_expired")


@router.websocket("/web/live/")
async def live(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    sessionmaker: async_sessionmaker[AsyncSession] = websocket.app.state.sessionmaker
    bus: LocalBus = websocket.app.state.live_bus
    # Pages of other sites may open WebSockets with our cookies attached: only our own pages listen.
    if not _own_origin(websocket, settings):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    try:
        hello = await asyncio.wait_for(websocket.receive_json(), HELLO_TIMEOUT_SECONDS)
    except (TimeoutError, WebSocketDisconnect, ValueError):
        with contextlib.suppress(Exception):
            await websocket.close(code=1008)
        return
    if not isinstance(hello, dict):
        await websocket.close(code=1008)
        return
    secret = hello.get("session")
    credentials = _Credentials(
        frame_secret=secret if isinstance(secret, str) and secret else None,
        login_token=websocket.cookies.get(SESSION_COOKIE),
    )
    try:
        async with unit_of_work(sessionmaker) as session:
            identity = await _identify(session, credentials, settings)
            oldest, newest = await service.bounds(session, account_id=identity.audience.actor.account_id)
    except Unauthorized:
        await _expired(websocket)
        return
    after = hello.get("after")
    resync = False
    if isinstance(after, int) and not isinstance(after, bool) and after >= 0:
        # Gone from the log (pruned) or from another database: the page must fetch everything again.
        resync = (oldest and after < oldest - 1) or after > newest
        cursor = newest if resync else after
    else:
        cursor = newest
    await _serve(websocket, sessionmaker, settings, bus, credentials, identity, cursor, bool(resync))


async def _expired(websocket: WebSocket) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json({"type": "expired"})
        await websocket.close(code=EXPIRED_CLOSE_CODE, reason=EXPIRED_CLOSE_REASON)


async def _serve(
    websocket: WebSocket,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    bus: LocalBus,
    credentials: _Credentials,
    identity: _Identity,
    cursor: int,
    resync: bool,
) -> None:
    sent: deque[int] = deque(maxlen=4 * LOOK_BACK)
    actor = identity.audience.actor
    async with unit_of_work(sessionmaker) as session:
        # What the page already has must not come back as new.
        known = await service.events_for(session, audience=identity.audience, after_id=max(0, cursor - LOOK_BACK))
    sent.extend(event.id for event in known if event.id <= cursor)
    send_lock = asyncio.Lock()
    closed = asyncio.Event()

    async def send(data: dict[str, Any]) -> None:
        async with send_lock:
            await websocket.send_json(data)

    async def read() -> None:
        # The client's pings keep proxies from closing an idle connection; its silence ends it.
        try:
            while True:
                message = await websocket.receive_json()
                if isinstance(message, dict) and message.get("type") == "ping":
                    await send({"type": "pong"})
        except Exception:
            closed.set()

    await send({"type": "ready", "last_event_id": cursor, "resync": resync})
    reader = asyncio.create_task(read())
    loop = asyncio.get_running_loop()
    checked_at = loop.time()
    try:
        with (
            bus.listen(actor.account_id) as wake,
            bus.watch_session(user_id=actor.user_id, api_key_id=identity.api_key_id) as revoked,
        ):
            # A revocation committed while this socket was being identified was announced before
            # it listened: look once now.
            revoked.set()
            while not closed.is_set():
                wake.clear()
                async with unit_of_work(sessionmaker) as session:
                    if revoked.is_set() or loop.time() - checked_at > RECHECK_SECONDS:
                        revoked.clear()
                        checked_at = loop.time()
                        try:
                            # A changed role changes what the socket may hear, too.
                            identity = await _identify(session, credentials, settings)
                        except Unauthorized:
                            await _expired(websocket)
                            return
                    events = await service.events_for(
                        session, audience=identity.audience, after_id=max(0, cursor - LOOK_BACK)
                    )
                fresh = [event for event in events if event.id not in sent]
                if fresh:
                    cursor = max(cursor, max(event.id for event in fresh))
                    sent.extend(event.id for event in fresh)
                    await send(
                        {
                            "type": "events",
                            "last_event_id": cursor,
                            "events": [
                                {"id": e.id, "kind": e.kind, "chat_uuid": e.chat_uuid, "ref": e.ref} for e in fresh
                            ],
                        }
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(wake, closed, revoked), POLL_SECONDS)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
