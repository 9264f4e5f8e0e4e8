"""The live WebSocket of the web app's pages: `/web/live/`.

The page says who it is in its first message (a frame's bearer secret, or nothing and the login
cookie of the full app) and the number of the last event it has. It is sent `ready`, then what it
missed after that number in one frame (from the log: the only query of a socket's life, beside
the session checks), then every event it may hear as the bus hands it over. A `resync` says that
what it missed is gone from the log (the page fetches again); a socket that cannot keep up is
told `slow` and closed with 4408 (the page comes back at once and catches up). The page may say
its agent's presence in a chat (`realtime.presence`); its colleagues are told, nothing is stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.deps import SESSION_COOKIE
from sportello.accounts.permissions import sees_only_assigned_chats
from sportello.chats import service as chats_service
from sportello.credentials import scope
from sportello.credentials.models import FrameSession
from sportello.credentials.origins import normalise_origin
from sportello.credentials.service import handshake
from sportello.db.unit_of_work import unit_of_work
from sportello.errors import NotFound, Unauthorized
from sportello.realtime import presence, service
from sportello.realtime.bus import Listener, LocalBus
from sportello.settings import Settings

router = APIRouter()
logger = logging.getLogger(__name__)

HELLO_TIMEOUT_SECONDS = 10
# What a page that was away may catch up on in one answer; more than this and it fetches again.
CATCH_UP_LIMIT = 1000
# A session is checked again when a revocation names it and when it is due to expire, and at
# least this often (a login session's end may move).
RECHECK_SECONDS = 3600.0
EXPIRED_CLOSE_CODE = 4401
EXPIRED_CLOSE_REASON = "session_expired"
TOO_SLOW_CLOSE_CODE = 4408
# How long a socket trusts what it looked up of a chat for presence (an assignment may change it).
PRESENCE_LOOKUP_SECONDS = 60.0


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
    expires_at: datetime


def _chat_of_frame(frame: FrameSession) -> str | None:
    """The one chat a frame may hear of ("" for none), or `None` for every chat its role sees:
    the same answer `credentials.scope` gives the REST reads."""
    reachable = scope.reachable_chats(frame)
    if reachable is None:
        return None
    return reachable[0] if reachable else ""


def _audience(actor: Actor, only_chat_uuid: str | None = None) -> service.Audience:
    return service.Audience(
        actor=actor, only_chat_uuid=only_chat_uuid, operator_only=sees_only_assigned_chats(actor.role)
    )


async def _identify(session: AsyncSession, credentials: _Credentials, settings: Settings) -> _Identity:
    if credentials.frame_secret is not None:
        frame, user, api_key = await handshake.resolve_frame_session(
            session, secret=credentials.frame_secret, signing_key=settings.signing_key
        )
        audience = _audience(Actor.of(user), _chat_of_frame(frame))
        return _Identity(audience=audience, api_key_id=api_key.id, expires_at=frame.expires_at)
    if credentials.login_token:
        found = await accounts_service.find_login_session(
            session, token=credentials.login_token, signing_key=settings.signing_key
        )
        if found is not None:
            return _Identity(audience=_audience(Actor.of(found[1])), api_key_id=None, expires_at=found[0].expires_at)
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
    after = hello.get("after")
    if not (isinstance(after, int) and not isinstance(after, bool) and after >= 0):
        after = None
    try:
        async with unit_of_work(sessionmaker) as session:
            identity = await _identify(session, credentials, settings)
    except Unauthorized:
        await _expired(websocket)
        return
    # Listening before the log is read: an event committed in between is in one or the other
    # (or both: the page applies each id once).
    with (
        bus.listen(identity.audience) as listener,
        bus.watch_session(listener, user_id=identity.audience.actor.user_id, api_key_id=identity.api_key_id),
    ):
        async with unit_of_work(sessionmaker) as session:
            # A revocation committed while this socket was being identified was announced before
            # it listened: the session is looked at once more here.
            try:
                identity = await _identify(session, credentials, settings)
            except Unauthorized:
                await _expired(websocket)
                return
            listener.audience = identity.audience
            oldest, newest = await service.bounds(session, account_id=identity.audience.actor.account_id)
            missed: list[str] = []
            resync = False
            if after is not None:
                # Gone from the log (pruned), from another database, or too much: fetch everything again.
                resync = (oldest > 0 and after < oldest - 1) or after > newest or newest - after > CATCH_UP_LIMIT
                if not resync and after < newest:
                    missed, _ = await service.events_after(
                        session, audience=identity.audience, after=after, limit=CATCH_UP_LIMIT
                    )
        try:
            await websocket.send_text(f'{{"type":"ready","last_event_id":{newest},"resync":{str(resync).lower()}}}')
            if missed:
                await websocket.send_text(f'{{"type":"events","last_event_id":{newest},"events":[{",".join(missed)}]}}')
            await _serve(websocket, sessionmaker, settings, credentials, identity, listener)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            await presence.leave_all(bus, listener)


async def _expired(websocket: WebSocket) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json({"type": "expired"})
        await websocket.close(code=EXPIRED_CLOSE_CODE, reason=EXPIRED_CLOSE_REASON)


async def _serve(
    websocket: WebSocket,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    credentials: _Credentials,
    identity: _Identity,
    listener: Listener,
) -> None:
    """Write what the bus queues for this socket until it closes. The writer waits on one event
    (frames, a revocation or the close set it) with a timer at the session's end: an idle socket
    costs a suspended task and that timer, and a wake costs no task of its own."""

    bus: LocalBus = websocket.app.state.live_bus

    async def read() -> None:
        # The client's pings keep proxies from closing an idle connection; its silence ends it.
        try:
            while True:
                message = await websocket.receive_text()
                try:
                    data = orjson.loads(message)
                except ValueError:
                    continue
                if data == {"type": "ping"}:
                    listener.offer('{"type":"pong"}')
                elif (said := presence.parse(data)) is not None:
                    await _tell_presence(sessionmaker, bus, listener, said)
        except Exception:
            listener.closed = True
            listener.ready.set()

    reader = asyncio.create_task(read())
    try:
        while True:
            seconds = min(RECHECK_SECONDS, max(0.0, (identity.expires_at - datetime.now(UTC)).total_seconds()))
            due = False
            try:
                async with asyncio.timeout(seconds):
                    await listener.ready.wait()
            except TimeoutError:
                due = True
            if listener.closed:
                return
            if due or listener.revoked:
                listener.revoked = False
                try:
                    # A changed role changes what the socket may hear, too.
                    async with unit_of_work(sessionmaker) as session:
                        identity = await _identify(session, credentials, settings)
                except Unauthorized:
                    await _expired(websocket)
                    return
                listener.audience = identity.audience
                if listener.presence is not None:
                    # What it may see of each chat is looked up again before its next presence.
                    listener.presence.looked_at.clear()
            if listener.too_slow:
                with contextlib.suppress(Exception):
                    await websocket.send_text('{"type":"slow"}')
                    await websocket.close(code=TOO_SLOW_CLOSE_CODE, reason="too_slow")
                return
            listener.ready.clear()
            while listener.frames:
                await websocket.send_text(listener.frames.popleft())
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


async def _tell_presence(
    sessionmaker: async_sessionmaker[AsyncSession], bus: LocalBus, listener: Listener, said: presence.Said
) -> None:
    """A page's presence in a chat, told to the colleagues who may see it. What the socket may
    see of the chat is looked up once a minute at most, so a steady presence costs no query."""
    audience = listener.audience
    actor = audience.actor
    known: presence.SocketPresence | None = listener.presence
    now = presence.now()
    if known is not None and not known.allows(now):
        return
    if known is not None and said.chat_uuid in known.chats:
        lookup = now - known.looked_at.get(said.chat_uuid, 0.0) > PRESENCE_LOOKUP_SECONDS
    else:
        lookup = True
        if known is not None and len(known.chats) >= presence.MAX_CHATS:
            return
    if lookup:
        async with unit_of_work(sessionmaker) as session:
            if known is None:
                try:
                    user = await accounts_service.find_user_in_account(
                        session, account_id=actor.account_id, user_id=actor.user_id
                    )
                except NotFound:
                    return
                known = listener.presence = presence.SocketPresence(user_id=actor.user_id, name=user.name or user.email)
                known.allows(now)
            visible = audience.only_chat_uuid is None or audience.only_chat_uuid == said.chat_uuid
            operators = (
                await chats_service.operators_if_visible(session, actor=actor, uuid=said.chat_uuid) if visible else None
            )
        known.chats[said.chat_uuid] = service.ids_text(operators) if operators is not None else None
        known.looked_at[said.chat_uuid] = now
    await presence.tell(bus, listener, said)
