"""The operator console: off without configured credentials; signed in, it decides API keys."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from sportello.app import create_app
from sportello.operator_console import session as operator_session
from sportello.operator_console.routes import LOGIN_LIMIT
from sportello.settings import Settings
from support.seeding import seed_integration_async


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        log_format="text",
        operator_username="operator",
        operator_password=SecretStr("operator-secret-1"),
    )


async def _pending_key(settings: Settings) -> int:
    from sportello.accounts.actor import Actor
    from sportello.accounts.repository import find_user_by_email
    from sportello.credentials.service import api_keys
    from sportello.db.engine import create_engine, create_sessionmaker
    from sportello.db.unit_of_work import unit_of_work

    acme = await seed_integration_async(settings)
    engine = create_engine(settings.resolved_database_url)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        owner = await find_user_by_email(session, acme.owner_email)
        assert owner is not None
        _, key = await api_keys.request_api_key(
            session,
            actor=Actor.of(owner),
            motivation="Please <b>approve</b> our CRM integration.",
            allowed_origins=[],
            signing_key=settings.signing_key,
        )
    await engine.dispose()
    return key.id


@pytest.fixture
async def operator_client(app_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    answer = await app_client.post("/operator/login", data={"username": "operator", "password": "operator-secret-1"})
    assert answer.status_code == 303
    yield app_client


async def test_console_is_off_without_operator_credentials(tmp_path: Path, sqlite_database_url: str) -> None:
    app = create_app(Settings(data_dir=tmp_path / "off", database_url=sqlite_database_url))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        answer = await client.get("/operator")
    await app.state.engine.dispose()
    assert answer.status_code == 404 and answer.json()["code"] == "operator_console_off"


async def test_wrong_operator_password_is_refused(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.post("/operator/login", data={"username": "operator", "password": "guess"})
    assert answer.status_code == 401 and "not right" in answer.text
    assert (await app_client.get("/operator")).headers["location"] == "/operator/login"


async def test_operator_approves_from_the_console(operator_client: httpx.AsyncClient, settings: Settings) -> None:
    key_id = await _pending_key(settings)
    page = await operator_client.get("/operator")
    assert page.status_code == 200
    # The requester's words are shown as text, never as markup.
    assert "Please &lt;b&gt;approve&lt;/b&gt; our CRM integration." in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    forged = await operator_client.post("/operator/api-keys/approve", data={"key_id": key_id, "csrf": "forged"})
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    approved = await operator_client.post("/operator/api-keys/approve", data={"key_id": key_id, "csrf": csrf.group(1)})
    assert approved.status_code == 303
    after = await operator_client.get("/operator")
    assert f'data-key-id="{key_id}"><td>#{key_id}' in after.text and "approved" in after.text
    # No SMTP configured: the email waits in the outbox, shown to the operator.
    assert "not sent" in after.text and "owner@acme.example.com" in after.text


async def test_reject_needs_a_reason(operator_client: httpx.AsyncClient, settings: Settings) -> None:
    key_id = await _pending_key(settings)
    csrf = re.search(r'name="csrf" value="([^"]+)"', (await operator_client.get("/operator")).text)
    assert csrf
    empty = await operator_client.post(
        "/operator/api-keys/reject", data={"key_id": key_id, "csrf": csrf.group(1), "reason": " "}
    )
    assert empty.status_code == 400 and empty.json()["code"] == "invalid_input"


async def test_a_throttled_operator_sign_in_says_when_to_retry(app_client: httpx.AsyncClient) -> None:
    for _ in range(LOGIN_LIMIT.attempts):
        refused = await app_client.post("/operator/login", data={"username": "operator", "password": "guess"})
        assert refused.status_code == 401
    throttled = await app_client.post("/operator/login", data={"username": "operator", "password": "operator-secret-1"})
    assert throttled.status_code == 429 and "Too many failed attempts" in throttled.text
    assert 0 < int(throttled.headers["Retry-After"]) <= LOGIN_LIMIT.window_seconds + 1
    assert operator_session.COOKIE not in throttled.cookies


async def test_a_copied_operator_cookie_stops_working_after_sign_out(
    operator_client: httpx.AsyncClient, settings: Settings
) -> None:
    key_id = await _pending_key(settings)
    page = await operator_client.get("/operator")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert page.status_code == 200 and csrf
    copied = {operator_session.COOKIE: operator_client.cookies[operator_session.COOKIE]}
    out = await operator_client.post("/operator/logout")
    assert out.status_code == 303 and out.headers["location"] == "/operator/login"

    transport = httpx.ASGITransport(app=operator_client.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies=copied) as thief:
        console = await thief.get("/operator")
        assert console.status_code == 303 and console.headers["location"] == "/operator/login"
        approve = await thief.post("/operator/api-keys/approve", data={"key_id": key_id, "csrf": csrf.group(1)})
        assert approve.status_code == 403 and approve.json()["code"] == "not_authenticated"


async def test_changing_the_operator_password_signs_the_operator_out(
    operator_client: httpx.AsyncClient, settings: Settings
) -> None:
    assert (await operator_client.get("/operator")).status_code == 200
    settings.operator_password = SecretStr("a-new-operator-secret")
    assert (await operator_client.get("/operator")).headers["location"] == "/operator/login"
