"""Failed-attempt counts: per key and per fixed window, in memory or shared through Redis, and
never in the database (counting must not wait on a connection)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from sportello.app import create_app
from sportello.errors import RateLimited
from sportello.kit.throttle import Limit, LocalFailureStore, RedisFailureStore, Throttle
from sportello.settings import Settings

LIMIT = Limit(attempts=3, window_seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _fail(throttle: Throttle, key: str, times: int) -> None:
    for _ in range(times):
        await throttle.record_failure([key], LIMIT)


async def test_a_key_waits_until_its_window_ends_and_others_do_not() -> None:
    clock = Clock()
    throttle = Throttle(LocalFailureStore(), clock=clock)
    await _fail(throttle, "login:addr:x", LIMIT.attempts)
    with pytest.raises(RateLimited) as caught:
        await throttle.ensure_not_throttled(["login:addr:y", "login:addr:x"], LIMIT, message="wait")
    # The window began at 1_000_000 // 60 * 60 = 999_960: 20 s of it are left.
    assert caught.value.retry_after == 21 and caught.value.code == "too_many_attempts"
    await throttle.ensure_not_throttled(["login:addr:y"], LIMIT, message="wait")
    clock.now += 21
    await throttle.ensure_not_throttled(["login:addr:x"], LIMIT, message="wait")
    assert await throttle.failures("login:addr:x", LIMIT) == 0


@pytest.fixture
async def redis_throttles() -> AsyncIterator[tuple[Throttle, Throttle]]:
    prefix = f"sportello-test:{uuid.uuid4().hex}:"
    first = Throttle(RedisFailureStore(Redis.from_url("redis://127.0.0.1:6379/15"), prefix=prefix))
    second = Throttle(RedisFailureStore(Redis.from_url("redis://127.0.0.1:6379/15"), prefix=prefix))
    yield first, second
    await first.close()
    await second.close()


async def test_with_redis_two_processes_share_one_count(redis_throttles: tuple[Throttle, Throttle]) -> None:
    first, second = redis_throttles
    await _fail(first, "exchange:addr:x", 2)
    await _fail(second, "exchange:addr:x", 1)
    assert await first.failures("exchange:addr:x", LIMIT) == 3
    with pytest.raises(RateLimited):
        await second.ensure_not_throttled(["exchange:addr:x"], LIMIT, message="wait")
    await first.ensure_not_throttled(["exchange:addr:other"], LIMIT, message="wait")


async def test_the_app_counts_in_redis_when_configured(tmp_path: Path, sqlite_database_url: str) -> None:
    app = create_app(
        Settings(data_dir=tmp_path, database_url=sqlite_database_url, redis_url="redis://127.0.0.1:6379/15")
    )
    assert isinstance(app.state.throttle._store, RedisFailureStore)
    await app.state.throttle.close()
    await app.state.rate_limiter.close()
    await app.state.engine.dispose()


async def test_a_success_is_checked_in_memory_and_a_trip_elsewhere_arrives_within_a_second() -> None:
    prefix = f"sportello-test:{uuid.uuid4().hex}:"
    clock = Clock()
    first = Throttle(RedisFailureStore(Redis.from_url("redis://127.0.0.1:6379/15"), prefix=prefix), clock=clock)
    second = Throttle(RedisFailureStore(Redis.from_url("redis://127.0.0.1:6379/15"), prefix=prefix), clock=clock)
    try:
        await second.ensure_not_throttled(["handshake:key:1"], LIMIT, message="wait")
        await _fail(first, "handshake:key:1", LIMIT.attempts)
        with pytest.raises(RateLimited):
            await first.ensure_not_throttled(["handshake:key:1"], LIMIT, message="wait")
        clock.now += Throttle.REFRESH_SECONDS
        with pytest.raises(RateLimited) as caught:
            await second.ensure_not_throttled(["handshake:key:1"], LIMIT, message="wait")
        assert caught.value.code == "too_many_attempts"
        await second.ensure_not_throttled(["handshake:key:2"], LIMIT, message="wait")
    finally:
        await first.close()
        await second.close()
