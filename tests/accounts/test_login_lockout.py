"""Wrong passwords cannot lock an owner out: failures are limited per (email, address), so the
address that keeps failing waits (429 with Retry-After) while the right password from another
address still signs in, only slowed down a little while the email is under attack."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import PASSWORD, make_tenant
from sportello.accounts.service import LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS, LOGIN_SLOWDOWN_SECONDS

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ATTACKER, OWNER = "198.51.100.7", "203.0.113.20"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _client_from(app_client: httpx.AsyncClient, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app_client.app, client=(address, 40000))  # type: ignore[attr-defined]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def attacker(app_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with _client_from(app_client, ATTACKER) as client:
        yield client


@pytest.fixture
async def owner(app_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with _client_from(app_client, OWNER) as client:
        yield client


async def _sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    match = _CSRF.search((await client.get("/login")).text)
    assert match
    return await client.post("/login", data={"csrf": match.group(1), "email": email, "password": password})


async def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(
    attacker: httpx.AsyncClient, owner: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    email = (await make_tenant(sessionmaker, "Acme")).owner.email
    attempts = LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS.attempts
    statuses = [(await _sign_in(attacker, email, f"wrong-{i}")).status_code for i in range(attempts)]
    assert statuses == [401] * attempts

    started = time.perf_counter()
    signed_in = await _sign_in(owner, email, PASSWORD)
    assert signed_in.status_code == 303 and "sportello_session" in signed_in.cookies
    # Slowed down while the email is under attack, not blocked.
    assert time.perf_counter() - started >= LOGIN_SLOWDOWN_SECONDS * 0.9

    blocked = await _sign_in(attacker, email, PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "sportello_session" not in blocked.cookies


async def test_failures_spread_over_many_addresses_only_slow_the_right_password_down(
    app_client: httpx.AsyncClient, owner: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    email = (await make_tenant(sessionmaker, "Acme")).owner.email
    for i in range(12):
        async with _client_from(app_client, f"192.0.2.{i + 1}") as somewhere:
            assert (await _sign_in(somewhere, email, "wrong")).status_code == 401
    assert (await _sign_in(owner, email, PASSWORD)).status_code == 303
