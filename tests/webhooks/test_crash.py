"""A crash in the middle of processing loses nothing and files nothing twice: 500 webhooks (four
messages each) are answered 200 and stored, the server is killed (SIGKILL) while it applies them
in batches; after a restart every message is filed exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sportello.db.engine import sqlite_file
from sportello.emulator.config import Business
from sportello.settings import Settings
from sportello.whatsapp.signature import sign
from support.servers import free_port
from support.world import connect, wait_for

WEBHOOKS, PER_WEBHOOK, CUSTOMERS = 500, 4, 40


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _webhook(business: Business, index: int) -> bytes:
    customer = f"39333{index % CUSTOMERS:07d}"
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": business.waba_id,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": business.display_phone_number,
                                    "phone_number_id": business.phone_number_id,
                                },
                                "contacts": [{"profile": {"name": f"C{index % CUSTOMERS}"}, "wa_id": customer}],
                                "messages": [
                                    {
                                        "from": customer,
                                        "id": f"wamid.crash{index}.{part}",
                                        "timestamp": str(1700000000 + index),
                                        "type": "text",
                                        "text": {"body": f"{index}.{part}"},
                                    }
                                    for part in range(PER_WEBHOOK)
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def _serve(settings: Settings, port: int, log: Path, *, workers: bool = True) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")} | {
        "SPORTELLO_RUN_WORKERS": "true" if workers else "false",
        "SPORTELLO_DATA_DIR": str(settings.data_dir),
        "SPORTELLO_DATABASE_URL": settings.resolved_database_url,
        "SPORTELLO_GRAPH_API_BASE_URL": "http://127.0.0.1:9",
        "SPORTELLO_WEBHOOK_POLL_SECONDS": "0.1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sportello", "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )


async def _post_all(url: str, business: Business, indices: list[int]) -> dict[int, int]:
    """Each webhook's answer: its status, 0 when none came (the server died)."""
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(index: int) -> int:
            body = _webhook(business, index)
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, business.app_secret)}
            async with gate:
                try:
                    return (await client.post(url, content=body, headers=headers)).status_code
                except httpx.HTTPError:
                    return 0

        return dict(zip(indices, await asyncio.gather(*(one(index) for index in indices)), strict=True))


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_sigkill_mid_batch_files_every_message_exactly_once(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    business = Business(webhook_url="http://127.0.0.1:9/unused")
    connect(settings, business)
    database = sqlite_file(settings.resolved_database_url)
    assert database is not None

    def count(sql: str) -> int:
        with sqlite3.connect(database, timeout=10) as db:
            return int(db.execute(sql).fetchone()[0])

    log = tmp_path / "sportello.log"
    url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
    total = WEBHOOKS * PER_WEBHOOK
    # A web process without workers takes the 500 webhooks; then one with workers applies them.
    receiver = _serve(settings, port, log, workers=False)
    try:
        wait_for(lambda: _up(port), timeout=60)
        answers = asyncio.run(_post_all(url, business, list(range(WEBHOOKS))))
        assert set(answers.values()) == {200}
    finally:
        receiver.terminate()
        receiver.wait(timeout=15)
    assert count("SELECT count(*) FROM webhook_events WHERE state = 'received'") == WEBHOOKS
    first = _serve(settings, port, log)
    try:
        wait_for(lambda: count("SELECT count(*) FROM messages") >= total // 5, timeout=60, interval=0.005)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = count("SELECT count(*) FROM messages")
        waiting = count("SELECT count(*) FROM webhook_events WHERE state = 'received'")
        assert at_kill < total and waiting > 0, "the kill came in the middle of the processing"
    finally:
        if first.poll() is None:
            first.kill()
    second = _serve(settings, port, log)
    try:
        started = time.monotonic()
        wait_for(lambda: count("SELECT count(*) FROM webhook_events WHERE state != 'processed'") == 0, timeout=180)
        assert count("SELECT count(*) FROM webhook_events") == WEBHOOKS
        assert count("SELECT count(*) FROM messages") == total
        assert count("SELECT count(DISTINCT meta_id) FROM messages") == total
        assert count("SELECT count(*) FROM chats") == CUSTOMERS
        assert count("SELECT sum(unread_count) FROM chats") == total, "no message counted twice"
        print(
            f"\nkilled with {at_kill} of {total} messages filed and {waiting} of {WEBHOOKS} webhooks waiting; "
            f"all filed exactly once {time.monotonic() - started:.1f} s after the restart"
        )
    finally:
        second.terminate()
        try:
            second.wait(timeout=15)
        except subprocess.TimeoutExpired:
            second.kill()
