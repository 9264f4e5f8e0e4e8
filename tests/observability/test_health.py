"""What an operator's probes and scrapers read."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


async def test_health_and_readiness_answer(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/healthz")).json() == {"status": "ok"}
    ready = await app_client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


async def test_readiness_fails_when_the_database_is_gone(app_client: httpx.AsyncClient) -> None:
    from sportello.db.engine import create_engine

    app = app_client.app  # type: ignore[attr-defined]
    await app.state.engine.dispose()
    # A database server that refuses connections (nothing listens on port 1).
    app.state.engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/sportello")
    ready = await app_client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["code"] == "database_unavailable"


async def test_metrics_count_requests_by_route_template(app_client: httpx.AsyncClient) -> None:
    await app_client.get("/web/api/users/12345/")
    await app_client.get("/healthz")
    text = (await app_client.get("/metrics")).text
    assert 'sportello_http_requests_total{method="GET",route="/web/api/users/{user_id}/",status="401"} 1.0' in text
    assert 'route="/healthz"' in text
    assert "/web/api/users/12345/" not in text


async def test_every_answer_carries_a_request_id(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/healthz")
    assert len(answer.headers["x-request-id"]) == 16
