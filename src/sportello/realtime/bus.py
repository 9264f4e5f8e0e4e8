"""Hands live events to the open sockets, and tells the sockets of a user or an API key that their
session may have ended.

Each process keeps its sockets by account in memory (`Listener`s), with what each may hear. An
event published here is filtered per listener and written as the same string to every one that
may hear it: no query per socket. In one process that is all; with Redis, what any process (a web
process, a worker) publishes reaches the listeners of every process through pub/sub. A socket
whose queue is full is told it is too slow and closed: it reconnects and catches up from the log,
and never holds the others back.

Presence (who has a chat open, who is typing in it) travels the same way but is never stored nor
numbered: a `PresenceNotice` reaches the listeners who may see its chat, except the sender's own
sockets."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from redis.asyncio import Redis

from sportello.kit.revocations import LIVE_BUS_SESSION_KEY, Revocation
from sportello.realtime.kinds import removed_body

if TYPE_CHECKING:
    from sportello.realtime.service import Audience

logger = logging.getLogger(__name__)
CHANNEL = "sportello:live:events"
REVOCATION_CHANNEL = "sportello:live:revoked"
SESSION_INFO_KEY = LIVE_BUS_SESSION_KEY
PUBLISHER_KEY = "sportello.live_publisher"
# Frames waiting for a socket before it counts as too slow: a page applies hundreds a second.
QUEUE_LIMIT = 256


@dataclass(frozen=True)
class PublishedEvent:
    """One event as the bus carries it: its body and what deciding its listeners needs."""

    seq: int
    chat_uuid: str
    operators: str
    lost_by: str
    body: str

    def to_wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "c": self.chat_uuid, "o": self.operators, "l": self.lost_by, "b": self.body}

    @classmethod
    def from_wire(cls, value: dict[str, Any]) -> PublishedEvent:
        return cls(
            seq=int(value["seq"]),
            chat_uuid=str(value["c"]),
            operators=str(value["o"]),
            lost_by=str(value["l"]),
            body=str(value["b"]),
        )


@dataclass(frozen=True)
class PresenceNotice:
    """A colleague's presence in one chat: `body` is the socket frame as the pages read it."""

    user_id: int
    chat_uuid: str
    operators: str
    body: str

    def to_wire(self) -> dict[str, Any]:
        return {"u": self.user_id, "c": self.chat_uuid, "o": self.operators, "b": self.body}

    @classmethod
    def from_wire(cls, value: dict[str, Any]) -> PresenceNotice:
        return cls(user_id=int(value["u"]), chat_uuid=str(value["c"]), operators=str(value["o"]), body=str(value["b"]))


class Listener:
    """One open socket as the bus sees it: who listens, and the frames waiting to be written."""

    __slots__ = ("account_id", "audience", "closed", "frames", "presence", "ready", "revoked", "too_slow")

    def __init__(self, audience: Audience) -> None:
        self.account_id = audience.actor.account_id
        self.audience = audience
        self.frames: deque[str] = deque()
        # The one thing a socket's writer waits on: frames, a revocation, its close.
        self.ready = asyncio.Event()
        self.too_slow = False
        self.revoked = False
        self.closed = False
        # What this socket told of its own presence (`realtime.presence`), made on its first notice.
        self.presence: Any = None

    def offer(self, frame: str) -> None:
        if self.too_slow:
            return
        if len(self.frames) >= QUEUE_LIMIT:
            self.too_slow = True
            self.frames.clear()
        else:
            self.frames.append(frame)
        self.ready.set()


def _frame(last: int, bodies: Sequence[str]) -> str:
    return f'{{"type":"events","last_event_id":{last},"events":[{",".join(bodies)}]}}'


class LocalBus:
    def __init__(self) -> None:
        self._listeners: dict[int, set[Listener]] = defaultdict(set)
        self._by_user: dict[int, set[Listener]] = defaultdict(set)
        self._by_api_key: dict[int, set[Listener]] = defaultdict(set)

    @contextlib.contextmanager
    def listen(self, audience: Audience) -> Iterator[Listener]:
        listener = Listener(audience)
        self._listeners[listener.account_id].add(listener)
        try:
            yield listener
        finally:
            group = self._listeners.get(listener.account_id)
            if group is not None:
                group.discard(listener)
                if not group:
                    del self._listeners[listener.account_id]

    def listener_count(self) -> int:
        return sum(len(group) for group in self._listeners.values())

    @contextlib.contextmanager
    def watch_session(self, listener: Listener, *, user_id: int, api_key_id: int | None) -> Iterator[None]:
        """Wake `listener` (its `revoked` set) when a revocation names this user or this API key."""
        with _registered(self._by_user, user_id, listener):
            if api_key_id is None:
                yield
                return
            with _registered(self._by_api_key, api_key_id, listener):
                yield

    def dispatch_local(self, account_id: int, events: Sequence[PublishedEvent]) -> None:
        """Write the events to this process's listeners of the account: each listener the bodies
        it may hear, one frame; listeners that hear the same get the same string."""
        listeners = self._listeners.get(account_id)
        if not listeners or not events:
            return
        last = max(event.seq for event in events)
        frames: dict[tuple[str, ...], str] = {}
        for listener in list(listeners):
            audience = listener.audience
            bodies = tuple(
                body
                for event in events
                if (
                    body := audience.body_of(
                        chat_uuid=event.chat_uuid,
                        operators=event.operators,
                        lost_by=event.lost_by,
                        body=event.body,
                        removed=removed_body(event.seq, event.chat_uuid),
                    )
                )
                is not None
            )
            if not bodies:
                continue
            frame = frames.get(bodies)
            if frame is None:
                frame = frames[bodies] = _frame(last, bodies)
            listener.offer(frame)

    def dispatch_presence_local(self, account_id: int, notice: PresenceNotice) -> None:
        """The notice to every listener of the account who may see its chat, but the sender's own."""
        for listener in list(self._listeners.get(account_id, ())):
            audience = listener.audience
            if audience.actor.user_id == notice.user_id:
                continue
            if audience.body_of(
                chat_uuid=notice.chat_uuid, operators=notice.operators, lost_by="", body=notice.body, removed=""
            ):
                listener.offer(notice.body)

    def revoke_local(self, revocation: Revocation) -> None:
        named = [*(self._by_user.get(u, ()) for u in revocation.user_ids)]
        named += [self._by_api_key.get(k, set()) for k in revocation.api_key_ids]
        for group in named:
            for listener in group:
                listener.revoked = True
                listener.ready.set()

    async def publish(self, account_id: int, events: Sequence[PublishedEvent]) -> None:
        self.dispatch_local(account_id, events)

    async def revoke(self, revocation: Revocation) -> None:
        self.revoke_local(revocation)

    async def publish_presence(self, account_id: int, notice: PresenceNotice) -> None:
        self.dispatch_presence_local(account_id, notice)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


@contextlib.contextmanager
def _registered(registry: dict[int, set[Listener]], key: int, listener: Listener) -> Iterator[None]:
    registry[key].add(listener)
    try:
        yield
    finally:
        registry[key].discard(listener)
        if not registry[key]:
            del registry[key]


class RedisBus(LocalBus):
    """Events go to this process's listeners at once and to the other processes through Redis;
    each process skips what it published itself."""

    def __init__(self, redis_url: str, *, installation: str = "") -> None:
        super().__init__()
        self._redis: Redis = Redis.from_url(redis_url)
        self._relay: asyncio.Task[None] | None = None
        self._origin = secrets.token_hex(8)
        # Two installations sharing one Redis must never hear each other's events (account 1 of
        # one is not account 1 of the other): the channels are named for the installation.
        self._events = f"{CHANNEL}:{installation}" if installation else CHANNEL
        self._revocations = f"{REVOCATION_CHANNEL}:{installation}" if installation else REVOCATION_CHANNEL

    async def publish(self, account_id: int, events: Sequence[PublishedEvent]) -> None:
        self.dispatch_local(account_id, events)
        packet = orjson.dumps({"from": self._origin, "account": account_id, "events": [e.to_wire() for e in events]})
        try:
            await self._redis.publish(self._events, packet)
        except Exception:
            # The other processes' pages catch up when they reconnect (see `_relay_notices`).
            logger.warning("could not publish live events to Redis", exc_info=True)

    async def publish_presence(self, account_id: int, notice: PresenceNotice) -> None:
        self.dispatch_presence_local(account_id, notice)
        packet = orjson.dumps({"from": self._origin, "account": account_id, "presence": notice.to_wire()})
        try:
            await self._redis.publish(self._events, packet)
        except Exception:
            # Presence is refreshed every few seconds: a notice lost now is told again soon.
            logger.warning("could not publish presence to Redis", exc_info=True)

    async def revoke(self, revocation: Revocation) -> None:
        try:
            await self._redis.publish(self._revocations, revocation.to_json())
        except Exception:
            # This process's sockets close now; the others at their session's next check.
            logger.warning("could not publish a revocation to Redis", exc_info=True)
            self.revoke_local(revocation)

    async def start(self) -> None:
        if self._relay is None:
            self._relay = asyncio.create_task(self._relay_notices(), name="live-bus-relay")

    def _receive(self, data: Any) -> None:
        packet = orjson.loads(data)
        if packet.get("from") == self._origin:
            return
        if "presence" in packet:
            self.dispatch_presence_local(int(packet["account"]), PresenceNotice.from_wire(packet["presence"]))
            return
        self.dispatch_local(int(packet["account"]), [PublishedEvent.from_wire(e) for e in packet["events"]])

    def _resync_everyone(self) -> None:
        # What other processes published while Redis was away never reached these sockets:
        # each is closed as too slow, comes back with its cursor and catches up from the log.
        for group in self._listeners.values():
            for listener in group:
                listener.too_slow = True
                listener.ready.set()

    async def _relay_notices(self) -> None:
        lost = False
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._events, self._revocations)
                    if lost:
                        self._resync_everyone()
                        lost = False
                    async for notice in pubsub.listen():
                        if notice.get("type") != "message":
                            continue
                        channel = notice.get("channel")
                        try:
                            if channel in (self._revocations, self._revocations.encode()):
                                self.revoke_local(Revocation.from_json(notice["data"]))
                            else:
                                self._receive(notice["data"])
                        except (ValueError, KeyError, TypeError):
                            logger.warning("a live notice from Redis could not be read", exc_info=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                lost = True
                logger.warning("the live bus lost Redis; retrying in 1 s", exc_info=True)
                await asyncio.sleep(1)

    async def close(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
            self._relay = None
        await self._redis.aclose()


def create_bus(redis_url: str | None, *, signing_key: bytes = b"") -> LocalBus:
    """The bus of a process; with Redis, on channels named for the installation (a digest of the
    signing key every process of one installation shares, never the key itself)."""
    if not redis_url:
        return LocalBus()
    installation = hashlib.sha256(b"sportello-live-bus\0" + signing_key).hexdigest()[:16] if signing_key else ""
    return RedisBus(redis_url, installation=installation)
