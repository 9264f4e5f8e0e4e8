"""The handshake under bad input and brute force: clear 4xx JSON, never a 500, and a limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async

TOKEN_PATH = "/api/1/auth/get_authentication_token/"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:  # no SMTP here
    return Settings(data_dir=tmp_path / "data", database_url=database_url, log_format="text")


@pytest.fixture
async def integration(settings: Settings) -> Integration:
    return await seed_integration_async(settings)


def _post(client: httpx.AsyncClient, key: str | None, content: bytes) -> Any:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-Spoki-Api-Key"] = key
    return client.post(TOKEN_PATH, content=content, headers=headers)


BAD_BODIES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("not json", b"{email:"),
    ("array", b"[]"),
    ("null", b"null"),
    ("missing private_key", b'{"email": "a@b.example.com"}'),
    ("missing email", b'{"private_key": "x"}'),
    ("email is a number", b'{"email": 5, "private_key": "x"}'),
    ("private_key is a list", b'{"email": "a@b.example.com", "private_key": ["x"]}'),
    ("empty strings", b'{"email": "", "private_key": ""}'),
    ("huge email", json.dumps({"email": "a" * 10_000, "private_key": "x"}).encode()),
    ("huge private key", json.dumps({"email": "a@b.example.com", "private_key": "k" * 100_000}).encode()),
]


@pytest.mark.parametrize(("label", "content"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_malformed_bodies_get_400(
    app_client: httpx.AsyncClient, integration: Integration, label: str, content: bytes
) -> None:
    answer = await _post(app_client, integration.api_key, content)
    assert answer.status_code == 400, (label, answer.text)
    assert answer.json()["code"] == "invalid_input" and answer.json()["detail"]


async def test_unknown_fields_are_ignored_for_compatibility(
    app_client: httpx.AsyncClient, integration: Integration
) -> None:
    body = {"email": integration.email, "private_key": integration.private_key, "client": "legacy-crm"}
    answer = await _post(app_client, integration.api_key, json.dumps(body).encode())
    assert answer.status_code == 200 and answer.json()["uid"] == integration.uid


@pytest.mark.parametrize("key", [None, "", "spk_unknown", "x" * 5000])
async def test_missing_or_unknown_keys_get_401(
    app_client: httpx.AsyncClient, integration: Integration, key: str | None
) -> None:
    body = json.dumps({"email": integration.email, "private_key": integration.private_key}).encode()
    answer = await _post(app_client, key, body)
    assert answer.status_code == 401
    assert answer.json()["code"] in {"api_key_missing", "invalid_api_key"}


async def test_failed_attempts_are_limited_per_key_with_retry_after(
    app_client: httpx.AsyncClient, integration: Integration
) -> None:
    wrong = json.dumps({"email": integration.email, "private_key": "sppk_guess"}).encode()
    statuses = [(await _post(app_client, integration.api_key, wrong)).status_code for _ in range(20)]
    assert statuses == [401] * 20
    right = json.dumps({"email": integration.email, "private_key": integration.private_key}).encode()
    blocked = await _post(app_client, integration.api_key, right)
    assert blocked.status_code == 429 and blocked.json()["code"] == "too_many_attempts"
    assert 0 < int(blocked.headers["Retry-After"]) <= 901


async def test_tokens_expire(app_client: httpx.AsyncClient, integration: Integration, settings: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from sportello.credentials.models import AuthToken
    from sportello.db.engine import create_engine

    body = json.dumps({"email": integration.email, "private_key": integration.private_key}).encode()
    token = (await _post(app_client, integration.api_key, body)).json()
    engine = create_engine(settings.resolved_database_url)
    async with engine.begin() as connection:
        await connection.execute(update(AuthToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await engine.dispose()
    late = await app_client.post("/api/1/auth/exchange/", json={"token": token["token"], "uid": token["uid"]})
    assert late.status_code == 401 and late.json()["code"] == "session_expired"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=10,
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(json_values, st.fixed_dictionaries({}, optional={"email": json_values, "private_key": json_values})),
    raw=st.binary(max_size=200),
)
async def test_generated_input_never_causes_a_500(
    app_client: httpx.AsyncClient, integration: Integration, body: Any, raw: bytes
) -> None:
    for content in (json.dumps(body).encode(), raw):
        answer = await _post(app_client, integration.api_key, content)
        assert answer.status_code in {200, 400, 401, 429}, answer.text
        exchange = await app_client.post(
            "/api/1/auth/exchange/", content=content, headers={"Content-Type": "application/json"}
        )
        assert exchange.status_code in {400, 401}, exchange.text
