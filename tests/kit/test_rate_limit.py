"""Per-key request limits: 429 with Retry-After past the limit; Redis shares the count between processes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sportello.app import create_app
from sportello.kit.rate_limit import RedisRateLimiter
from sportello.settings import Settings
from support.seeding import seed_integration_async


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, api_rate_per_minute=5)


async def test_a_key_past_its_limit_gets_429_and_others_do_not(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    busy = await seed_integration_async(settings, name="Busy")
    calm = await seed_integration_async(settings, name="Calm")
    statuses = [
        (await app_client.get("/api/1/contacts/", headers={"X-Spoki-Api-Key": busy.api_key})).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    limited = await app_client.get("/api/1/contacts/", headers={"X-Spoki-Api-Key": busy.api_key})
    assert limited.json()["code"] == "rate_limited" and 1 <= int(limited.headers["Retry-After"]) <= 61
    assert (await app_client.get("/api/1/contacts/", headers={"X-Spoki-Api-Key": calm.api_key})).status_code == 200


@pytest.fixture
async def redis_limiters() -> AsyncIterator[tuple[RedisRateLimiter, RedisRateLimiter]]:
    from redis.asyncio import Redis

    prefix = f"sportello-test:{uuid.uuid4().hex}:"
    first = RedisRateLimiter(Redis.from_url("redis://127.0.0.1:6379/15"), prefix=prefix)
    second = RedisRateLimiter(Redis.from_url("redis://127.0.0.1:6379/15"), prefix=prefix)
    yield first, second
    await first.close()
    await second.close()


async def test_with_redis_two_processes_share_one_count(
    redis_limiters: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    first, second = redis_limiters
    assert await first.hit("apikey:1", limit=3, window_seconds=60) == 0
    assert await second.hit("apikey:1", limit=3, window_seconds=60) == 0
    assert await first.hit("apikey:1", limit=3, window_seconds=60) == 0
    assert await second.hit("apikey:1", limit=3, window_seconds=60) > 0
    assert await first.hit("apikey:2", limit=3, window_seconds=60) == 0


async def test_the_app_uses_redis_when_configured(tmp_path: Path, sqlite_database_url: str) -> None:
    app = create_app(
        Settings(data_dir=tmp_path, database_url=sqlite_database_url, redis_url="redis://127.0.0.1:6379/15")
    )
    assert isinstance(app.state.rate_limiter, RedisRateLimiter)
    await app.state.rate_limiter.close()
    await app.state.engine.dispose()
