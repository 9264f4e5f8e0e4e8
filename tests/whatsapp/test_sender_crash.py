"""A crash loses nothing and sends nothing twice: the sending process is killed (SIGKILL) in the
middle of 500 outbound messages; after a restart every message reaches the emulator exactly
once, by the emulator's own count."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats import service as chats_service
from sportello.contacts import service as contacts_service
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.unit_of_work import unit_of_work
from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from sportello.messages import service as messages_service
from sportello.messages.models import Message, MessageKind, SendStatus
from sportello.settings import Settings
from support.servers import free_port, running_server
from support.world import FAST, connect, wait_for

TOTAL, CUSTOMERS = 500, 50


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


async def _queue_messages(settings: Settings, account_id: int, number_id: int) -> None:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            for customer in range(CUSTOMERS):
                contact = await contacts_service.upsert_from_whatsapp(
                    session, account_id=account_id, phone=f"+39333{customer:07d}", profile_name=f"C{customer}"
                )
                chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=number_id)
                chat.last_inbound_at = datetime.now(UTC)
                for index in range(TOTAL // CUSTOMERS):
                    await messages_service.send(
                        session,
                        chat=chat,
                        contact=contact,
                        sender_user_id=None,
                        outgoing=messages_service.Outgoing(kind=MessageKind.MESSAGE, text=f"n.{customer}.{index}"),
                    )
    finally:
        await engine.dispose()


async def _pending(settings: Settings) -> int:
    engine = create_engine(settings.resolved_database_url)
    try:
        sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        async with sessionmaker() as session:
            return int(
                await session.scalar(
                    select(func.count()).select_from(Message).where(Message.send_status == SendStatus.PENDING)
                )
                or 0
            )
    finally:
        await engine.dispose()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[str, Business, int]]:
    port = free_port()
    business = Business(webhook_url=f"http://127.0.0.1:{port}/webhooks/whatsapp")
    config = EmulatorConfig(
        businesses=[business],
        number_rate_per_second=10_000,
        pair_burst=None,
        read_without_delivered_probability=0.0,
        **FAST,
    )
    with running_server(create_emulator_app(config)) as url:
        yield url, business, port


def _serve(settings: Settings, port: int, emulator_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")} | {
        "SPORTELLO_DATA_DIR": str(settings.data_dir),
        "SPORTELLO_DATABASE_URL": settings.resolved_database_url,
        "SPORTELLO_GRAPH_API_BASE_URL": emulator_url,
        "SPORTELLO_SEND_RATE_PER_SECOND": "400",
        "SPORTELLO_SEND_CLAIM_SECONDS": "2",
        # Exactly once holds while Meta's word on an interrupted send comes within this window; the
        # emulator retries its webhooks with backoff while the process is down, which a loaded
        # machine stretches past 10 s.
        "SPORTELLO_SEND_RECONCILE_SECONDS": "20",
        "SPORTELLO_SEND_POLL_SECONDS": "0.1",
        "SPORTELLO_WEBHOOK_POLL_SECONDS": "0.1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sportello", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_sigkill_mid_send_loses_nothing_and_sends_nothing_twice(
    settings: Settings, emulator: tuple[str, Business, int], tmp_path: Path
) -> None:
    emulator_url, business, port = emulator
    account_id, number_id = connect(settings, business)
    asyncio.run(_queue_messages(settings, account_id, number_id))
    log = tmp_path / "sportello.log"

    def sent_count() -> int:
        return len(httpx.get(f"{emulator_url}/_emulator/sent", timeout=5).json())

    first = _serve(settings, port, emulator_url, log)
    try:
        wait_for(lambda: sent_count() >= 100, timeout=60, interval=0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = sent_count()
        assert at_kill < TOTAL, "the kill came in the middle of the sending"
    finally:
        if first.poll() is None:
            first.kill()
    second = _serve(settings, port, emulator_url, log)
    try:
        started = time.monotonic()
        wait_for(lambda: asyncio.run(_pending(settings)) == 0, timeout=120, interval=0.5)
        sent = httpx.get(f"{emulator_url}/_emulator/sent").json()
        per_message = Counter(entry["biz_opaque_callback_data"] for entry in sent)
        duplicates = {uuid: n for uuid, n in per_message.items() if n > 1}
        assert duplicates == {}, f"sent twice: {len(duplicates)}"
        assert len(per_message) == TOTAL and len(sent) == TOTAL
        print(
            f"\nkilled after {at_kill} of {TOTAL} sends; all {TOTAL} sent exactly once "
            f"{time.monotonic() - started:.1f} s after the restart"
        )
    finally:
        second.terminate()
        try:
            second.wait(timeout=15)
        except subprocess.TimeoutExpired:
            second.kill()
