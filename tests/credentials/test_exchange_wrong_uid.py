"""A token presented with the wrong `auth_uid`, over a real server on SQLite and PostgreSQL: it
is refused at once (no stall of every other write behind SQLite's lock, no 500), it is used up
(single use means single presentation), and its failures count toward the exchange's 429."""

from __future__ import annotations

import asyncio
import time

import httpx

from sportello.credentials.service.handshake import EXCHANGE_FAILURES_PER_ADDRESS
from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async

EXCHANGE = "/api/1/auth/exchange/"


async def _mint(client: httpx.AsyncClient, integration: Integration) -> httpx.Response:
    return await client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": integration.api_key},
        json={"email": integration.email, "private_key": integration.private_key},
    )


async def _token(client: httpx.AsyncClient, integration: Integration) -> str:
    minted = await _mint(client, integration)
    assert minted.status_code == 200, minted.text
    token: str = minted.json()["token"]
    return token


def _wrong_uid(integration: Integration) -> str:
    return str(int(integration.uid) + 1000)


async def test_a_wrong_uid_is_refused_at_once_while_another_client_writes(live_url: str, settings: Settings) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    other = await seed_integration_async(settings, name="Other")
    async with (
        httpx.AsyncClient(base_url=live_url, timeout=30) as frame,
        httpx.AsyncClient(base_url=live_url, timeout=30) as host,
    ):
        token = await _token(host, acme)
        # Warm both connections up, so the clock below times the exchange and nothing else.
        assert (await frame.post(EXCHANGE, json={"token": "warm-up", "uid": acme.uid})).status_code == 401
        assert (await host.get("/healthz")).status_code == 200

        async def wrong_uid() -> tuple[httpx.Response, float]:
            started = time.perf_counter()
            answer = await frame.post(EXCHANGE, json={"token": token, "uid": _wrong_uid(acme)})
            return answer, time.perf_counter() - started

        async def another_write() -> tuple[httpx.Response, float]:
            started = time.perf_counter()
            answer = await _mint(host, other)
            return answer, time.perf_counter() - started

        (refused, refused_seconds), (written, written_seconds) = await asyncio.gather(wrong_uid(), another_write())

    assert refused.status_code == 401 and refused.json()["code"] == "session_expired", refused.text
    assert refused_seconds < 0.1
    assert written.status_code == 200, written.text
    assert written_seconds < 1.0


async def test_a_token_presented_with_a_wrong_uid_is_used_up(live_url: str, settings: Settings) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        token = await _token(client, acme)
        wrong = await client.post(EXCHANGE, json={"token": token, "uid": _wrong_uid(acme)})
        assert wrong.status_code == 401 and wrong.json()["code"] == "session_expired"
        right = await client.post(EXCHANGE, json={"token": token, "uid": acme.uid})
        assert right.status_code == 401 and right.json()["code"] == "session_expired"
        # A fresh token with its own uid still opens a session.
        fresh = await client.post(EXCHANGE, json={"token": await _token(client, acme), "uid": acme.uid})
        assert fresh.status_code == 200, fresh.text


async def test_wrong_uids_are_counted_until_the_address_must_wait(live_url: str, settings: Settings) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        for _ in range(EXCHANGE_FAILURES_PER_ADDRESS.attempts):
            token = await _token(client, acme)
            answer = await client.post(EXCHANGE, json={"token": token, "uid": _wrong_uid(acme)})
            assert answer.status_code == 401 and answer.json()["code"] == "session_expired", answer.text
        token = await _token(client, acme)
        throttled = await client.post(EXCHANGE, json={"token": token, "uid": acme.uid})
    assert throttled.status_code == 429 and throttled.json()["code"] == "too_many_attempts"
    assert 0 < int(throttled.headers["retry-after"]) <= EXCHANGE_FAILURES_PER_ADDRESS.window_seconds + 1
