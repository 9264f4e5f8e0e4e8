"""`/healthz` (the process answers), `/readyz` (the database answers), `/metrics` (Prometheus).

`/metrics` tells route names, traffic and error rates, so the public app serves it only to a
scraper that sends `SPORTELLO_METRICS_TOKEN` as a bearer token; without a token configured it
is not there at all (404, as any unknown address). `SPORTELLO_METRICS_PORT` serves it on a
loopback-only port instead (`metrics_listener.py`), with `loopback_router`."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr

from sportello.db.engine import ping
from sportello.errors import NotFound, Unauthorized
from sportello.observability.metrics import Metrics

router = APIRouter(include_in_schema=False)
loopback_router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    try:
        await ping(request.app.state.engine)
    except Exception as exc:
        return JSONResponse(
            {
                "status": "unavailable",
                "detail": "The database does not answer.",
                "code": "database_unavailable",
                "error": type(exc).__name__,
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok"})


def check_bearer(token: SecretStr, authorization: str | None) -> None:
    """Accept only `Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, sent = (authorization or "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), expected):
        raise Unauthorized("Send the metrics token as 'Authorization: Bearer <token>'.", code="metrics_token_invalid")


def _exposition(metrics: Metrics) -> Response:
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    token: SecretStr | None = request.app.state.settings.metrics_token
    if token is None:
        raise NotFound("There is nothing at this address.")
    check_bearer(token, request.headers.get("authorization"))
    return _exposition(request.app.state.metrics)


@loopback_router.get("/metrics")
async def loopback_metrics(request: Request) -> Response:
    # Only this host reaches the port; a configured token is still asked for, so that other
    # local users of a shared machine read nothing either.
    token: SecretStr | None = request.app.state.settings.metrics_token
    if token is not None:
        check_bearer(token, request.headers.get("authorization"))
    return _exposition(request.app.state.metrics)
