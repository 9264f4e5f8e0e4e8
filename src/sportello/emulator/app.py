"""The emulator's ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sportello.emulator.config import EmulatorConfig
from sportello.emulator.control import phone_router
from sportello.emulator.control import router as control_router
from sportello.emulator.graph import router as graph_router
from sportello.emulator.outbox import WebhookOutbox
from sportello.emulator.state import State


def create_emulator_app(config: EmulatorConfig | None = None) -> FastAPI:
    config = config or EmulatorConfig()
    rng = random.Random(config.seed)
    outbox = WebhookOutbox(config, rng)
    tasks: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        outbox.start()
        try:
            yield
        finally:
            for task in list(tasks):
                task.cancel()
            for task in list(tasks):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await outbox.stop()

    app = FastAPI(
        title="WhatsApp Cloud API emulator", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.emulator = State(config=config)
    app.state.outbox = outbox
    app.state.rng = rng
    app.state.tasks = tasks
    # The control paths first: the Graph API's /{version}/{id} would swallow them.
    app.include_router(control_router)
    app.include_router(phone_router)
    app.mount("/_static", StaticFiles(directory=Path(__file__).parent / "static"), name="emulator-static")
    app.include_router(graph_router)
    return app
