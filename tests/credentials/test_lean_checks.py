"""The handshake and API checks on their success path, on SQLite and PostgreSQL: a successful
authenticated call writes nothing, a mint writes only its token, expired tokens and frame sessions
are refused at once and forgotten later by the background pruner, and failures still trip the
throttle while successes are never counted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sportello.credentials.models import AuthToken, FrameSession
from sportello.credentials.pruner import ExpiredCredentialPruner
from sportello.credentials.service.handshake import FAILURES_PER_KEY
from sportello.db.unit_of_work import unit_of_work
from sportello.kit import secrets as kit_secrets
from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async

MINT = "/api/1/auth/get_authentication_token/"
EXCHANGE = "/api/1/auth/exchange/"
_WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements_written(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every INSERT, UPDATE and DELETE the app sends to the database inside the block."""
    written: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(_WRITES):
            written.append(" ".join(statement.split())[:80])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield written
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


async def _mint(client: httpx.AsyncClient, integration: Integration, private_key: str | None = None) -> httpx.Response:
    return await client.post(
        MINT,
        headers={"X-Spoki-Api-Key": integration.api_key},
        json={"email": integration.email, "private_key": private_key or integration.private_key},
    )


async def _token(client: httpx.AsyncClient, integration: Integration) -> str:
    minted = await _mint(client, integration)
    assert minted.status_code == 200, minted.text
    token: str = minted.json()["token"]
    return token


def _engine(client: httpx.AsyncClient) -> AsyncEngine:
    engine: AsyncEngine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


async def test_a_successful_api_call_and_frame_call_write_nothing(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    opened = await app_client.post(EXCHANGE, json={"token": await _token(app_client, acme), "uid": acme.uid})
    assert opened.status_code == 200, opened.text
    with statements_written(_engine(app_client)) as written:
        contacts = await app_client.get("/api/1/contacts/", headers={"X-Spoki-Api-Key": acme.api_key})
        has_key = await app_client.get(
            f"/api/1/roles/{acme.uid}/has_private_key/", headers={"X-Spoki-Api-Key": acme.api_key}
        )
        frame = await app_client.get(
            "/api/1/auth/frame_session/", headers={"Authorization": f"Bearer {opened.json()['session']}"}
        )
    assert (contacts.status_code, has_key.status_code, frame.status_code) == (200, 200, 200)
    assert written == []


async def test_a_mint_writes_its_token_and_nothing_else(app_client: httpx.AsyncClient, settings: Settings) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    await _token(app_client, acme)
    with statements_written(_engine(app_client)) as written:
        await _token(app_client, acme)
    assert len(written) == 1 and written[0].startswith("INSERT INTO auth_tokens"), written


async def _count(sessionmaker: async_sessionmaker[AsyncSession], model: type[AuthToken] | type[FrameSession]) -> int:
    async with unit_of_work(sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_expired_token_is_refused_and_later_forgotten_by_the_pruner(
    app_client: httpx.AsyncClient, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    expired, used = await _token(app_client, acme), await _token(app_client, acme)
    opened = await app_client.post(EXCHANGE, json={"token": used, "uid": acme.uid})
    assert opened.status_code == 200, opened.text
    # Their time is over: the first token, and the frame session opened with the second.
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with unit_of_work(sessionmaker) as session:
        await session.execute(
            update(AuthToken)
            .where(AuthToken.digest == kit_secrets.digest(expired, settings.signing_key))
            .values(expires_at=past)
        )
        await session.execute(update(FrameSession).values(expires_at=past))

    too_late = await app_client.post(EXCHANGE, json={"token": expired, "uid": acme.uid})
    assert too_late.status_code == 401 and too_late.json()["code"] == "session_expired"
    frame = await app_client.get(
        "/api/1/auth/frame_session/", headers={"Authorization": f"Bearer {opened.json()['session']}"}
    )
    assert frame.status_code == 401 and frame.json()["code"] == "session_expired"
    # Refusing them deleted nothing: the rows wait for the pruner.
    assert (await _count(sessionmaker, AuthToken), await _count(sessionmaker, FrameSession)) == (2, 1)

    fresh = await _token(app_client, acme)
    assert await ExpiredCredentialPruner(sessionmaker).round() == 0, "a small backlog is one round"

    async with unit_of_work(sessionmaker) as session:
        kept = set((await session.scalars(select(AuthToken.digest))).all())
    assert kept == {kit_secrets.digest(t, settings.signing_key) for t in (used, fresh)}
    assert await _count(sessionmaker, FrameSession) == 0
    assert (await app_client.post(EXCHANGE, json={"token": fresh, "uid": acme.uid})).status_code == 200


async def test_wrong_private_keys_trip_the_throttle_and_successes_never_count(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    for _ in range(FAILURES_PER_KEY.attempts * 2):
        assert (await _mint(app_client, acme)).status_code == 200
    for _ in range(FAILURES_PER_KEY.attempts):
        wrong = await _mint(app_client, acme, private_key="sppk_not-the-key")
        assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    throttled = await _mint(app_client, acme)
    assert throttled.status_code == 429 and throttled.json()["code"] == "too_many_attempts"
    assert int(throttled.headers["retry-after"]) > 0
