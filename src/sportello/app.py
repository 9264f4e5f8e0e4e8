"""Builds the ASGI app: routers, middleware, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sportello import __version__
from sportello.accounts.routes import router as accounts_router
from sportello.chats.routes import router as chats_router
from sportello.chats.routes import web_router as chats_web_router
from sportello.contacts.routes import router as contacts_router
from sportello.contacts.routes import web_router as contacts_web_router
from sportello.conversations.live_publisher import live_info
from sportello.credentials.cors import ApiCors
from sportello.credentials.deps import API_KEY_HEADER, ApiKeyDep, FrameSessionCaller
from sportello.credentials.routes import api_router as credentials_api_router
from sportello.credentials.routes import web_router as credentials_web_router
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.integrations.routes import web_router as integrations_web_router
from sportello.kit.body_limit import BodySizeLimit
from sportello.kit.encryption import SecretBox
from sportello.kit.error_handlers import install_error_handlers
from sportello.kit.openapi import SecurityScheme
from sportello.kit.openapi import install as install_openapi
from sportello.kit.rate_limit import create_rate_limiter
from sportello.kit.throttle import create_throttle
from sportello.messages.routes import api_router as media_api_router
from sportello.messages.routes import web_router as media_web_router
from sportello.observability.metrics import Metrics, RequestObserver
from sportello.observability.metrics_listener import MetricsListener
from sportello.observability.routes import router as observability_router
from sportello.operator_console.routes import router as operator_router
from sportello.payments.routes import api_router as payments_api_router
from sportello.payments.routes import pay_router
from sportello.payments.routes import web_router as payments_web_router
from sportello.quick_replies.routes import router as quick_replies_router
from sportello.quick_replies.routes import web_router as quick_replies_web_router
from sportello.realtime.bus import create_bus
from sportello.realtime.routes import router as live_router
from sportello.settings import Settings
from sportello.templates.routes import router as templates_router
from sportello.templates.routes import web_router as templates_web_router
from sportello.web.api_docs import router as api_docs_router
from sportello.web.inbox_pages import router as inbox_pages_router
from sportello.web.routes import router as web_router
from sportello.web.security_headers import SecurityHeaders
from sportello.webhooks.routes import router as webhooks_router
from sportello.workers.runtime import Workers

STATIC_DIR = Path(__file__).parent / "web" / "static"
MAX_BODY_BYTES = 1_000_000


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = create_engine(settings.resolved_database_url)

    bus = create_bus(settings.redis_url, signing_key=settings.signing_key)
    # Every unit of work can tell the bus, after its commit, that live events were recorded.
    sessionmaker = create_sessionmaker(engine, info=live_info(bus, settings))
    box = SecretBox(settings.fernet_key)
    workers = Workers(sessionmaker, settings, box)
    metrics = Metrics()
    metrics_listener = MetricsListener(metrics, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # First: a metrics port already in use stops the start before anything else is running.
        await metrics_listener.start()
        await bus.start()
        if settings.run_workers:
            workers.start()
        try:
            yield
        finally:
            await workers.stop()
            await metrics_listener.stop()
            await bus.close()
            await app.state.rate_limiter.close()
            await app.state.throttle.close()
            await engine.dispose()

    app = FastAPI(
        title="Sportello",
        version=__version__,
        summary="A self-hosted WhatsApp Business inbox to embed in other software.",
        lifespan=lifespan,
        openapi_url="/api/1/schema/",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.workers = workers
    app.state.live_bus = bus
    app.state.rate_limiter = create_rate_limiter(settings.redis_url)
    app.state.throttle = create_throttle(settings.redis_url)
    app.state.metrics = metrics
    app.state.metrics_listener = metrics_listener
    app.state.secret_box = box

    install_error_handlers(app)
    install_openapi(
        app,
        security=(
            SecurityScheme(
                name="SpokiApiKey",
                spec={"type": "apiKey", "in": "header", "name": API_KEY_HEADER, "description": "An approved API key."},
                dependency=ApiKeyDep,
            ),
            SecurityScheme(
                name="FrameSession",
                spec={"type": "http", "scheme": "bearer", "description": "An embedded frame's session."},
                dependency=FrameSessionCaller,
            ),
        ),
    )
    # Routes are matched in order, one by one: Meta's deliveries, the busiest path, first.
    app.include_router(webhooks_router)
    app.include_router(observability_router)
    app.include_router(api_docs_router)
    app.include_router(accounts_router)
    app.include_router(credentials_api_router)
    app.include_router(credentials_web_router)
    app.include_router(contacts_router)
    app.include_router(contacts_web_router)
    app.include_router(chats_router)
    app.include_router(chats_web_router)
    app.include_router(templates_router)
    app.include_router(templates_web_router)
    app.include_router(quick_replies_router)
    app.include_router(quick_replies_web_router)
    app.include_router(integrations_web_router)
    app.include_router(live_router)
    app.include_router(media_api_router)
    app.include_router(media_web_router)
    app.include_router(payments_api_router)
    app.include_router(payments_web_router)
    app.include_router(pay_router)
    app.include_router(operator_router)
    app.include_router(inbox_pages_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Added last runs first: the observer sees every answer, headers go on every answer.
    app.add_middleware(ApiCors, sessionmaker=sessionmaker)
    # Meta's webhook bodies can reach 3 MB.
    app.add_middleware(
        BodySizeLimit, max_bytes=MAX_BODY_BYTES, overrides={"/webhooks/": 4_000_000, "/api/1/media/": 101 * 1024 * 1024}
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObserver, metrics=app.state.metrics)
    return app
