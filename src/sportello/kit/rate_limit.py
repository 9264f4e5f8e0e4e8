"""Fixed-window request limits (per API key). With Redis (`SPORTELLO_REDIS_URL`) every process
shares the count; without it each process counts on its own, which suits a single process."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        """Count one request; 0 when allowed, else the seconds to wait."""

    async def close(self) -> None: ...


class LocalRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        now = time.time()
        window = int(now // window_seconds)
        if len(self._counts) > 10_000:
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
        count = self._counts.get((key, window), 0) + 1
        self._counts[(key, window)] = count
        return 0 if count <= limit else int((window + 1) * window_seconds - now) + 1

    async def close(self) -> None:
        self._counts.clear()


class RedisRateLimiter:
    def __init__(self, redis: Redis, prefix: str = "sportello:rate:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        now = time.time()
        window = int(now // window_seconds)
        name = f"{self._prefix}{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds + 1)
            count, _ = await pipe.execute()
        return 0 if int(count) <= limit else int((window + 1) * window_seconds - now) + 1

    async def close(self) -> None:
        await self._redis.aclose()


def create_rate_limiter(redis_url: str | None) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(Redis.from_url(redis_url))
    return LocalRateLimiter()
