"""The token exchange is a credential check: an address that keeps presenting used or made-up
tokens is made to wait (429 with Retry-After), and a good token still works elsewhere."""

from __future__ import annotations

import httpx
import pytest

from sportello.credentials.service.handshake import EXCHANGE_FAILURES_PER_ADDRESS


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


async def test_an_address_that_keeps_failing_is_made_to_wait(app_client: httpx.AsyncClient) -> None:
    for attempt in range(EXCHANGE_FAILURES_PER_ADDRESS.attempts):
        answer = await app_client.post("/api/1/auth/exchange/", json={"token": f"guess-{attempt}", "uid": "1"})
        assert answer.status_code == 401 and answer.json()["code"] == "session_expired"
    throttled = await app_client.post("/api/1/auth/exchange/", json={"token": "one-more", "uid": "1"})
    assert throttled.status_code == 429 and throttled.json()["code"] == "too_many_attempts"
    assert 0 < int(throttled.headers["retry-after"]) <= EXCHANGE_FAILURES_PER_ADDRESS.window_seconds + 1
