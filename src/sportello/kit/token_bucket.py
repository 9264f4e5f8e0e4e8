"""A token bucket per key (a WhatsApp number's throughput): `rate` tokens a second, at most
`burst` saved up. In memory for one process; in Redis (`SPORTELLO_REDIS_URL`) every process
takes from the same bucket, so two senders of one number hold Meta's rate together.

The bucket is kept as the time the next token is due (GCRA, "theoretical arrival time") in
whole microseconds: no float drift, so over `t` seconds it admits exactly `rate * t + burst`
(`rate * t` rounded down to a whole token). The clock is injected; the Redis bucket without one
reads Redis's own clock (`TIME`), which every process sharing a bucket agrees on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

Clock = Callable[[], float]  # seconds


def _interval_us(rate: float) -> int:
    return max(1, round(1_000_000 / rate))


def _decide(tat_us: int | None, now_us: int, interval_us: int, burst: int) -> tuple[bool, int, int]:
    """(admitted, the new arrival time, microseconds to wait when refused)."""
    start = now_us if tat_us is None or tat_us < now_us else tat_us
    new_tat = start + interval_us
    over = new_tat - now_us - burst * interval_us
    if over > 0:
        return False, start, over
    return True, new_tat, 0


class TokenBucket(Protocol):
    async def try_take(self, key: str) -> float:
        """Take one token of `key`'s bucket: 0.0 when taken, else the seconds until one is due."""

    async def close(self) -> None: ...


async def take(bucket: TokenBucket, key: str) -> None:
    """Wait for one token of `key`'s bucket and take it."""
    # The bucket says when its next token is due: sleeping that long is the wait, no event to set.
    while (wait := await bucket.try_take(key)) > 0:  # noqa: ASYNC110
        await asyncio.sleep(wait)


class LocalTokenBucket:
    def __init__(self, *, rate: float, burst: int = 1, clock: Clock = time.monotonic) -> None:
        self._interval = _interval_us(rate)
        self._burst = max(1, burst)
        self._clock = clock
        self._tat: dict[str, int] = {}

    async def try_take(self, key: str) -> float:
        now = round(self._clock() * 1_000_000)
        admitted, tat, wait = _decide(self._tat.get(key), now, self._interval, self._burst)
        self._tat[key] = tat
        return 0.0 if admitted else wait / 1_000_000

    async def close(self) -> None:
        self._tat.clear()


# KEYS[1]: the bucket; ARGV: interval µs, burst, now µs (or "" for Redis's clock).
_TAKE = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local new_tat = tat + interval
local over = new_tat - now - burst * interval
if over > 0 then return over end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return 0
"""


class RedisTokenBucket:
    def __init__(
        self,
        redis: Redis,
        *,
        rate: float,
        burst: int = 1,
        clock: Clock | None = None,
        prefix: str = "sportello:bucket:",
    ) -> None:
        self._redis = redis
        self._interval = _interval_us(rate)
        self._burst = max(1, burst)
        self._clock = clock
        self._prefix = prefix
        self._script = redis.register_script(_TAKE)

    async def try_take(self, key: str) -> float:
        now = "" if self._clock is None else str(round(self._clock() * 1_000_000))
        over = int(await self._script(keys=[self._prefix + key], args=[self._interval, self._burst, now]))
        return over / 1_000_000

    async def close(self) -> None:
        await self._redis.aclose()


def create_token_bucket(redis_url: str | None, *, rate: float, burst: int = 1) -> TokenBucket:
    if redis_url:
        return RedisTokenBucket(Redis.from_url(redis_url), rate=rate, burst=burst)
    return LocalTokenBucket(rate=rate, burst=burst)
