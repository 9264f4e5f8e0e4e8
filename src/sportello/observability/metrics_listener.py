"""`/metrics` on a port of its own, bound to 127.0.0.1 only (`SPORTELLO_METRICS_PORT`).

A Prometheus (or an agent) on the same host scrapes it; the public port never shows it. It runs
inside the web process's lifespan, so `sportello serve` (and anything that runs the app) starts
and stops it with the app, and it reads the same registry the request observer writes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from sportello.kit.error_handlers import install_error_handlers
from sportello.observability.metrics import Metrics
from sportello.observability.routes import loopback_router
from sportello.settings import Settings

LOOPBACK = "127.0.0.1"


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to the process's main server, whose shutdown
    (through the app's lifespan) stops this one."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def create_metrics_app(metrics: Metrics, settings: Settings) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.metrics = metrics
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(loopback_router)
    return app


class MetricsListener:
    """Does nothing unless `settings.metrics_port` is set (0: any free port, for tests)."""

    def __init__(self, metrics: Metrics, settings: Settings) -> None:
        self._app = create_metrics_app(metrics, settings)
        self._wanted_port = settings.metrics_port
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.bound_host: str | None = None
        self.port: int | None = None

    async def start(self) -> None:
        if self._wanted_port is None:
            return
        # The socket is bound here, not by uvicorn, so a port already in use fails the app's
        # start with a clear message instead of exiting the process from inside a task.
        try:
            sock = socket.create_server((LOOPBACK, self._wanted_port))
        except OSError as exc:
            raise RuntimeError(f"cannot serve metrics on {LOOPBACK}:{self._wanted_port}: {exc}") from exc
        self.bound_host, self.port = sock.getsockname()[:2]
        config = uvicorn.Config(self._app, lifespan="off", log_config=None, access_log=False)
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="metrics-listener")
        # uvicorn says it is up with a flag, not an event; binding is done, so this is brief.
        while not self._server.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        await self._task
