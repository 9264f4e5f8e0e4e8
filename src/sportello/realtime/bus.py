"""Wakes the WebSockets of an account when its live events change. In one process an in-memory
bus is enough; with Redis, a notice published by any process (a web process, a worker) wakes the
listeners of every process. A lost notice costs only latency: listeners also look every few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterator

from redis.asyncio import Redis

logger = logging.getLogger(__name__)
CHANNEL = "sportello:live"
SESSION_INFO_KEY = "sportello.live_bus"


class LocalBus:
    def __init__(self) -> None:
        self._listeners: dict[int, set[asyncio.Event]] = defaultdict(set)

    @contextlib.contextmanager
    def listen(self, account_id: int) -> Iterator[asyncio.Event]:
        wake = asyncio.Event()
        self._listeners[account_id].add(wake)
        try:
            yield wake
        finally:
            self._listeners[account_id].discard(wake)
            if not self._listeners[account_id]:
                del self._listeners[account_id]

    def wake_local(self, account_id: int) -> None:
        for wake in self._listeners.get(account_id, ()):
            wake.set()

    async def notify(self, account_id: int) -> None:
        self.wake_local(account_id)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


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

    async def start(self) -> None:
        if self._relay is None:
            self._relay = asyncio.create_task(self._relay_notices(), name="live-bus-relay")

    async def _relay_notices(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for notice in pubsub.listen():
                        if notice.get("type") == "message":
                            with contextlib.suppress(ValueError):
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
