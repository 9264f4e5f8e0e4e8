"""Sportello and the Cloud API emulator on real local ports, wired to each other: Sportello's
Graph API base URL is the emulator, the emulator's webhook URL is Sportello."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from fastapi import FastAPI

from sportello.accounts import service as accounts_service
from sportello.app import create_app
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.unit_of_work import unit_of_work
from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from sportello.integrations import service as integrations_service
from sportello.kit.encryption import SecretBox
from sportello.settings import Settings
from support.servers import free_port, running_server

FAST = {
    "sent_delay": 0.05,
    "delivered_delay": 0.05,
    "read_delay": 0.05,
    "template_review_seconds": 0.2,
    "webhook_retry_base_seconds": 0.1,
}


@dataclass
class World:
    sportello_url: str
    emulator_url: str
    sportello: FastAPI
    emulator: FastAPI
    settings: Settings
    business: Business
    account_id: int
    number_id: int

    def run(self, work: Callable[..., Any]) -> Any:
        """Run an async function against Sportello's database from a sync test."""

        async def go() -> Any:
            engine = create_engine(self.settings.resolved_database_url)
            try:
                return await work(create_sessionmaker(engine))
            finally:
                await engine.dispose()

        # A thread of its own: the caller's thread may already run an event loop (Playwright's).
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, go()).result()


def wait_for(check: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {check}")
        time.sleep(interval)


def connect(
    settings: Settings, business: Business, account_name: str = "Shop", *, with_number: bool = True
) -> tuple[int, int]:
    """An account with the business's number connected (`with_number=False`: a new account that
    has none yet; its number id is then 0)."""

    async def go() -> tuple[int, int]:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                account, _ = await accounts_service.create_account(
                    session,
                    name=account_name,
                    owner_email=f"owner@{account_name.lower()}.example.com",
                    owner_password="correct-horse-battery",
                )
                if not with_number:
                    return account.id, 0
                number = await integrations_service.connect_whatsapp(
                    session,
                    box=SecretBox(settings.fernet_key),
                    account_id=account.id,
                    phone_number_id=business.phone_number_id,
                    waba_id=business.waba_id,
                    access_token=business.access_token,
                    app_secret=business.app_secret,
                    display_phone_number=business.display_phone_number,
                )
                return account.id, number.id
        finally:
            await engine.dispose()

    return asyncio.run(go())


@contextmanager
def running_world(settings: Settings, *, with_number: bool = True, **emulator_options: Any) -> Iterator[World]:
    sportello_port, emulator_port = free_port(), free_port()
    business = Business(webhook_url=f"http://127.0.0.1:{sportello_port}/webhooks/whatsapp")
    config = EmulatorConfig(businesses=[business], **{**FAST, **emulator_options})
    settings = settings.model_copy(
        update={
            "graph_api_base_url": f"http://127.0.0.1:{emulator_port}",
            "host": "127.0.0.1",
            "port": sportello_port,
            "send_poll_seconds": 0.1,
            "webhook_poll_seconds": 0.1,
        }
    )
    account_id, number_id = connect(settings, business, with_number=with_number)
    sportello, emulator = create_app(settings), create_emulator_app(config)
    with (
        running_server(emulator, port=emulator_port) as emulator_url,
        running_server(sportello, port=sportello_port) as sportello_url,
    ):
        yield World(
            sportello_url, emulator_url, sportello, emulator, settings, replace(business), account_id, number_id
        )
