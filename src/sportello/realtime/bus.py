"""Wakes the WebSockets of an account when its live events change, and tells the sockets of a user
or an API key that their session may have ended. In one process an in-memory bus is enough; with
Redis, a notice published by any process (a web process, a worker) reaches the listeners of every
process. A lost live notice costs only latency: listeners also look every few seconds; a lost
revocation is caught by the socket's periodic session check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterator

from redis.asyncio import Redis

from sportello.kit.revocations import LIVE_BUS_SESSION_KEY, Revocation

logger = logging.getLogger(__name__)
CHANNEL = "sportello:live"
REVOCATION_CHANNEL = "sportello:live:revoked"
SESSION_INFO_KEY = LIVE_BUS_SESSION_KEY


class LocalBus:
    def __init__(self) -> None:
        self._listeners: dict[int, set[asyncio.Event]] = defaultdict(set)
        self._by_user: dict[int, set[asyncio.Event]] = defaultdict(set)
        self._by_api_key: dict[int, set[asyncio.Event]] = defaultdict(set)

    @contextlib.contextmanager
    def listen(self, account_id: int) -> Iterator[asyncio.Event]:
        with _registered(self._listeners, account_id) as wake:
            yield wake

    @contextlib.contextmanager
    def watch_session(self, *, user_id: int, api_key_id: int | None) -> Iterator[asyncio.Event]:
        """An event set when a revocation names this user or this API key."""
        with _registered(self._by_user, user_id) as revoked:
            if api_key_id is None:
                yield revoked
                return
            self._by_api_key[api_key_id].add(revoked)
            try:
                yield revoked
            finally:
                _discard(self._by_api_key, api_key_id, revoked)

    def wake_local(self, account_id: int) -> None:
        for wake in self._listeners.get(account_id, ()):
            wake.set()

    def revoke_local(self, revocation: Revocation) -> None:
        for user_id in revocation.user_ids:
            for revoked in self._by_user.get(user_id, ()):
                revoked.set()
        for api_key_id in revocation.api_key_ids:
            for revoked in self._by_api_key.get(api_key_id, ()):
                revoked.set()

    async def notify(self, account_id: int) -> None:
        self.wake_local(account_id)

    async def revoke(self, revocation: Revocation) -> None:
        self.revoke_local(revocation)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


@contextlib.contextmanager
def _registered(registry: dict[int, set[asyncio.Event]], key: int) -> Iterator[asyncio.Event]:
    event = asyncio.Event()
    registry[key].add(event)
    try:
        yield event
    finally:
        _discard(registry, key, event)


def _discard(registry: dict[int, set[asyncio.Event]], key: int, event: asyncio.Event) -> None:
    registry[key].discard(event)
    if not registry[key]:
        del registry[key]


class RedisBus(LocalBus):
    def __init__(self, redis_url: str) -> None:
        super().__init__()
        self._redis: Redis = Redis.from_url(redis_url)
        self._relay: asyncio.Task[None] | None = None

    async def notify(self, account_id: int) -> None:
        try:
            await self._redis.publish(CHANNEL, str(account_id))
        except Exception:
            # The polling fallback delivers it a few seconds later.
            logger.warning("could not publish a live notice to Redis", exc_info=True)
            self.wake_local(account_id)

    async def revoke(self, revocation: Revocation) -> None:
        try:
            await self._redis.publish(REVOCATION_CHANNEL, revocation.to_json())
        except Exception:
            # This process's sockets close now; the others at their periodic session check.
            logger.warning("could not publish a revocation to Redis", exc_info=True)
            self.revoke_local(revocation)

    async def start(self) -> None:
        if self._relay is None:
            self._relay = asyncio.create_task(self._relay_notices(), name="live-bus-relay")

    async def _relay_notices(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL, REVOCATION_CHANNEL)
                    async for notice in pubsub.listen():
                        if notice.get("type") != "message":
                            continue
                        channel = notice.get("channel")
                        with contextlib.suppress(ValueError):
                            if channel in (REVOCATION_CHANNEL, REVOCATION_CHANNEL.encode()):
                                self.revoke_local(Revocation.from_json(notice["data"]))
                            else:
                                self.wake_local(int(notice["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("the live bus lost Redis; retrying in 1 s", exc_info=True)
                await asyncio.sleep(1)

    async def close(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
            self._relay = None
        await self._redis.aclose()


def create_bus(redis_url: str | None) -> LocalBus:
    return RedisBus(redis_url) if redis_url else LocalBus()
