"""The demo's WhatsApp: the Cloud API emulator in the same process on its own port, the demo
account's number connected to it, and a customer who has just written."""

from __future__ import annotations

import logging
import threading
import time

import httpx
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from sportello.emulator.state import State, StoredTemplate
from sportello.integrations import service as integrations_service
from sportello.kit.encryption import SecretBox
from sportello.settings import Settings

logger = logging.getLogger("sportello.demo")
DEMO_CUSTOMERS = (
    ("+393331234567", "Giulia Rossi", "Buongiorno! Avete la giacca blu in taglia M?"),
    ("+34612345678", "Pablo García", "Hola, ¿cuándo llega mi pedido?"),
)


def emulator_port(settings: Settings) -> int:
    return settings.port + 2


def emulator_url(settings: Settings) -> str:
    return f"http://{settings.host}:{emulator_port(settings)}"


def demo_business(settings: Settings) -> Business:
    return Business(webhook_url=f"http://{settings.host}:{settings.port}/webhooks/whatsapp")


async def connect_demo_number(session: AsyncSession, settings: Settings, account_id: int) -> None:
    business = demo_business(settings)
    await integrations_service.connect_whatsapp(
        session,
        box=SecretBox(settings.fernet_key),
        account_id=account_id,
        phone_number_id=business.phone_number_id,
        waba_id=business.waba_id,
        access_token=business.access_token,
        app_secret=business.app_secret,
        display_phone_number=business.display_phone_number,
    )


def start_emulator(settings: Settings, templates: list[StoredTemplate] | None = None) -> None:
    """Serve the emulator in a thread of this process, holding `templates` as Meta would (the
    demo's approved ones), and let the demo customers write once Sportello answers."""
    config = EmulatorConfig(businesses=[demo_business(settings)])
    app = create_emulator_app(config)
    state: State = app.state.emulator
    for template in templates or []:
        state.templates[template.template_id] = template
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=emulator_port(settings), log_config=None))
    threading.Thread(target=server.run, name="demo-emulator", daemon=True).start()
    threading.Thread(target=_customers_write, args=(settings,), name="demo-customers", daemon=True).start()


def _customers_write(settings: Settings) -> None:
    sportello = f"http://{settings.host}:{settings.port}/readyz"
    for _ in range(300):
        try:
            if (
                httpx.get(sportello, timeout=1).status_code == 200
                and httpx.get(f"{emulator_url(settings)}/_emulator/health", timeout=1).status_code == 200
            ):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    for number, name, text in DEMO_CUSTOMERS:
        try:
            httpx.post(
                f"{emulator_url(settings)}/_emulator/say", json={"from": number, "name": name, "text": text}, timeout=5
            )
        except httpx.HTTPError as exc:
            logger.warning("demo customer could not write: %s", exc)
