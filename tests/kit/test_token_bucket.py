"""A number's send rate: over any stretch of time the bucket admits exactly rate * t plus its
burst; in Redis two processes' buckets of one number hold that total together. The clock is
injected (a counter the test moves), so nothing here waits for real time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from sportello.kit.token_bucket import LocalTokenBucket, RedisTokenBucket, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.us = 1_000_000_000

    def __call__(self) -> float:
        return self.us / 1_000_000


async def _greedy(buckets: list[TokenBucket], key: str, clock: Clock, *, seconds: int, step_us: int) -> list[int]:
    """Every tick each bucket in turn (the first one changing) takes what it can; returns how
    many each one got."""
    taken = [0] * len(buckets)
    for tick in range(seconds * 1_000_000 // step_us):
        for turn in range(len(buckets)):
            index = (tick + turn) % len(buckets)
            while await buckets[index].try_take(key) == 0:
                taken[index] += 1
        clock.us += step_us
    return taken


@pytest.mark.parametrize(
    ("rate", "burst", "step_us"),
    # A bucket of one token loses what comes while nobody looks: it is asked at each token's time.
    [(80.0, 4, 1_000), (1000.0, 50, 1_000), (80.0, 1, 12_500)],
)
async def test_over_a_minute_the_bucket_admits_rate_times_time_plus_burst(
    rate: float, burst: int, step_us: int
) -> None:
    clock = Clock()
    bucket = LocalTokenBucket(rate=rate, burst=burst, clock=clock)
    [taken] = await _greedy([bucket], "number:1", clock, seconds=60, step_us=step_us)
    # The last tick is one step before 60 s: the token due at 60 s is not there yet.
    assert taken == int(rate * 60) - 1 + burst


async def test_a_refused_take_says_when_the_next_token_is_due() -> None:
    clock = Clock()
    bucket = LocalTokenBucket(rate=80, burst=1, clock=clock)
    assert await bucket.try_take("n") == 0
    wait = await bucket.try_take("n")
    assert wait == pytest.approx(1 / 80)
    clock.us += round(wait * 1_000_000) - 1
    assert await bucket.try_take("n") > 0
    clock.us += 1
    assert await bucket.try_take("n") == 0


async def test_numbers_have_buckets_of_their_own() -> None:
    clock = Clock()
    bucket = LocalTokenBucket(rate=10, burst=2, clock=clock)
    assert [await bucket.try_take("a") for _ in range(3)][:2] == [0, 0]
    assert await bucket.try_take("b") == 0


@pytest.fixture
async def redis_buckets() -> AsyncIterator[tuple[Clock, str, list[RedisTokenBucket]]]:
    clock = Clock()
    prefix = f"sportello-test:{uuid.uuid4().hex}:"
    buckets = [
        RedisTokenBucket(Redis.from_url("redis://127.0.0.1:6379/15"), rate=80, burst=4, clock=clock, prefix=prefix)
        for _ in range(2)
    ]
    yield clock, prefix, buckets
    for bucket in buckets:
        await bucket.close()


async def test_with_redis_two_processes_hold_one_numbers_rate_together(
    redis_buckets: tuple[Clock, str, list[RedisTokenBucket]],
) -> None:
    clock, _, buckets = redis_buckets
    taken = await _greedy(list(buckets), "number:1", clock, seconds=10, step_us=5_000)
    assert sum(taken) == 80 * 10 - 1 + 4
    assert all(share > 0 for share in taken), taken


async def test_with_redis_and_its_own_clock_the_burst_is_admitted_then_refused(
    redis_buckets: tuple[Clock, str, list[RedisTokenBucket]],
) -> None:
    _, prefix, _ = redis_buckets
    # Redis's clock: no clock passed. One token every 100 s, so the test never sees a refill.
    first, second = (
        RedisTokenBucket(Redis.from_url("redis://127.0.0.1:6379/15"), rate=0.01, burst=3, prefix=prefix)
        for _ in range(2)
    )
    try:
        answers = [await first.try_take("n"), await second.try_take("n"), await first.try_take("n")]
        assert answers == [0, 0, 0]
        refused = await second.try_take("n")
        assert 0 < refused <= 100
    finally:
        await first.close()
        await second.close()
