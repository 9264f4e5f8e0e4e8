"""Failed-attempt limits on credential checks: sign-in, the token handshake and exchange, unknown
API keys, the operator console. Every one of them counts through the `Throttle` here.

Counts live outside the database: in this process's memory, or in Redis when `SPORTELLO_REDIS_URL`
is set (then every process shares them). Counting a failure never touches the database, so it
never waits for a connection: a failed check may happen inside a transaction that holds SQLite's
write lock (a token just marked used), and a count written on a second connection waited on that
very lock until the busy timeout. Without Redis, a restart forgets the counts; that is the price of
a single process with no moving parts, as for `kit.rate_limit`.

Only failures are counted. A check on the success path reads no store: it looks up this process's
memory of the keys that have used up their attempts (`Throttle._tripped`). A failure that uses up
a key's attempts puts it there at once; with Redis it is also published in a shared set that every
process reads at most once a second, so a key tripped by another process is refused here within a
second (an attacker spread over processes gains at most that second, and their failures are still
all counted in Redis). Before, every check read the counts: with Redis, one round trip per
handshake, per exchange and per API call."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from redis.asyncio import Redis

from sportello.errors import RateLimited

# Past this many live counters, a process's memory store forgets the oldest: a flood of made-up
# emails must not grow it without bound (the newest, the ones under attack, are kept).
_LOCAL_MAX_COUNTERS = 100_000


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_seconds: int


class FailureStore(Protocol):
    async def counts(self, keys: Sequence[str], window_start: int) -> list[int]:
        """The failures of each key in the window that began at `window_start`."""

    async def add(self, keys: Sequence[str], window_start: int, window_seconds: int) -> list[int]:
        """Count one failure against each key in that window; returns the new counts."""

    async def announce_tripped(self, names: Sequence[tuple[str, int]], window_seconds: int, now: float) -> None:
        """Tell the other processes that these (key, window start) have used up their attempts."""

    async def tripped_elsewhere(self, now: float) -> list[tuple[str, int, float]]:
        """(key, window start, window end) of every key another process has tripped, still live."""

    async def close(self) -> None: ...


class LocalFailureStore:
    """This process's memory."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._ends: dict[tuple[str, int], float] = {}

    async def counts(self, keys: Sequence[str], window_start: int) -> list[int]:
        return [self._counts.get((key, window_start), 0) for key in keys]

    async def add(self, keys: Sequence[str], window_start: int, window_seconds: int) -> list[int]:
        counts = []
        for key in keys:
            name = (key, window_start)
            self._counts[name] = self._counts.get(name, 0) + 1
            self._ends[name] = window_start + window_seconds
            counts.append(self._counts[name])
        if len(self._counts) > _LOCAL_MAX_COUNTERS // 10:
            self._forget(time.time())
        return counts

    async def announce_tripped(self, names: Sequence[tuple[str, int]], window_seconds: int, now: float) -> None:
        """One process: there is no one else to tell."""

    async def tripped_elsewhere(self, now: float) -> list[tuple[str, int, float]]:
        return []

    def _forget(self, now: float) -> None:
        for name in [n for n, end in self._ends.items() if end <= now]:
            del self._counts[name], self._ends[name]
        # Dicts keep insertion order: the first are the oldest.
        for name in list(self._counts)[: max(0, len(self._counts) - _LOCAL_MAX_COUNTERS)]:
            del self._counts[name], self._ends[name]

    async def close(self) -> None:
        self._counts.clear()
        self._ends.clear()


class RedisFailureStore:
    """Shared by every process that uses the same Redis."""

    def __init__(self, redis: Redis, prefix: str = "sportello:throttle:") -> None:
        self._redis = redis
        self._prefix = prefix

    def _name(self, key: str, window_start: int) -> str:
        return f"{self._prefix}{key}:{window_start}"

    async def counts(self, keys: Sequence[str], window_start: int) -> list[int]:
        if not keys:
            return []
        values = await self._redis.mget([self._name(key, window_start) for key in keys])
        return [int(value) if value is not None else 0 for value in values]

    async def add(self, keys: Sequence[str], window_start: int, window_seconds: int) -> list[int]:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in keys:
                name = self._name(key, window_start)
                pipe.incr(name)
                pipe.expire(name, window_seconds + 1)
            replies = await pipe.execute()
        return [int(count) for count in replies[::2]]

    async def announce_tripped(self, names: Sequence[tuple[str, int]], window_seconds: int, now: float) -> None:
        tripped = f"{self._prefix}tripped"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(tripped, {f"{start}:{key}": start + window_seconds for key, start in names})
            pipe.zremrangebyscore(tripped, "-inf", now)
            await pipe.execute()

    async def tripped_elsewhere(self, now: float) -> list[tuple[str, int, float]]:
        members = await self._redis.zrangebyscore(f"{self._prefix}tripped", f"({now}", "+inf", withscores=True)
        found = []
        for member, end in cast("list[tuple[bytes | str, float]]", members):
            text = member.decode() if isinstance(member, bytes) else member
            start, _, key = text.partition(":")
            found.append((key, int(start), float(end)))
        return found

    async def close(self) -> None:
        await self._redis.aclose()


class Throttle:
    """Fixed windows of failed attempts per key (an address, an email, an API key…)."""

    # How stale this process's knowledge of keys tripped by other processes may be.
    REFRESH_SECONDS = 1.0

    def __init__(self, store: FailureStore, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        # (key, window start) -> window end: the keys known to have used up their attempts.
        self._tripped: dict[tuple[str, int], float] = {}
        self._refreshed_at = float("-inf")

    async def ensure_not_throttled(self, keys: Sequence[str], limit: Limit, *, message: str) -> None:
        """Raise `RateLimited` (429, with Retry-After) when any of `keys` has used up its failed
        attempts in this window. Reads memory only, but for a refresh at most once a second."""
        now = self._clock()
        if now - self._refreshed_at >= self.REFRESH_SECONDS:
            await self._refresh(now)
        window = _window_start(limit, now)
        if any((key, window) in self._tripped for key in keys):
            raise RateLimited(
                message, retry_after=int(window + limit.window_seconds - now) + 1, code="too_many_attempts"
            )

    async def failures(self, key: str, limit: Limit) -> int:
        """The failures counted against `key` in this window."""
        return (await self._store.counts([key], _window_start(limit, self._clock())))[0]

    async def record_failure(self, keys: Sequence[str], limit: Limit) -> None:
        now = self._clock()
        window = _window_start(limit, now)
        counts = await self._store.add(keys, window, limit.window_seconds)
        spent = [(key, window) for key, count in zip(keys, counts, strict=True) if count >= limit.attempts]
        if spent:
            for name in spent:
                self._tripped[name] = window + limit.window_seconds
            await self._store.announce_tripped(spent, limit.window_seconds, now)

    async def _refresh(self, now: float) -> None:
        self._refreshed_at = now
        for name in [name for name, end in self._tripped.items() if end <= now]:
            del self._tripped[name]
        for key, start, end in await self._store.tripped_elsewhere(now):
            self._tripped[(key, start)] = end

    async def close(self) -> None:
        await self._store.close()


def _window_start(limit: Limit, now: float) -> int:
    return int(now // limit.window_seconds) * limit.window_seconds


def create_throttle(redis_url: str | None) -> Throttle:
    if redis_url:
        return Throttle(RedisFailureStore(Redis.from_url(redis_url)))
    return Throttle(LocalFailureStore())
