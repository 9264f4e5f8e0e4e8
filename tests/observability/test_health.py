"""What an operator's probes and scrapers read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from sportello.app import create_app
from sportello.settings import Settings
from support.servers import running_server

METRICS_TOKEN = "scrape-me-" + "x" * 24


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


@pytest.fixture
def metrics_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        log_format="text",
        run_workers=False,
        metrics_token=SecretStr(METRICS_TOKEN),
    )


@pytest.fixture
async def metrics_client(metrics_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(metrics_settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
    await app.state.engine.dispose()


async def test_metrics_are_not_on_the_public_app_unless_configured(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/metrics")
    # Exactly what an unknown address answers: nothing says there is something here.
    unknown = await app_client.get("/no-such-thing")
    assert answer.status_code == 404 and answer.json() == unknown.json()
    assert "sportello_http_requests" not in answer.text


async def test_metrics_with_a_token_ask_for_it_as_a_bearer(metrics_client: httpx.AsyncClient) -> None:
    missing = await metrics_client.get("/metrics")
    wrong = await metrics_client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    not_bearer = await metrics_client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
    for answer in (missing, wrong, not_bearer):
        assert answer.status_code == 401 and answer.json()["code"] == "metrics_token_invalid"
        assert "sportello_http_requests" not in answer.text
    right = await metrics_client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status_code == 200 and right.headers["content-type"].startswith("text/plain")
    assert "sportello_http_requests_total" in right.text


def test_metrics_port_serves_them_on_loopback_only(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, log_format="text", run_workers=False, metrics_port=0
    )
    app = create_app(settings)
    with running_server(app) as base_url:
        httpx.get(f"{base_url}/healthz")
        listener = app.state.metrics_listener
        scraped = httpx.get(f"http://127.0.0.1:{listener.port}/metrics")
        assert scraped.status_code == 200 and 'route="/healthz"' in scraped.text
        # The public port still does not show them, and the listener is bound to loopback only.
        assert httpx.get(f"{base_url}/metrics").status_code == 404
        assert listener.bound_host == "127.0.0.1"
    # It stops with the app.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{listener.port}/metrics")


async def test_metrics_count_requests_by_route_template(metrics_client: httpx.AsyncClient) -> None:
    await metrics_client.get("/web/api/users/12345/")
    await metrics_client.get("/healthz")
    text = (await metrics_client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})).text
    assert 'sportello_http_requests_total{method="GET",route="/web/api/users/{user_id}/",status="401"} 1.0' in text
    assert 'route="/healthz"' in text
    assert "/web/api/users/12345/" not in text


async def test_every_answer_carries_a_request_id(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/healthz")
    assert len(answer.headers["x-request-id"]) == 16
