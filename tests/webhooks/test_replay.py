"""`sportello webhooks replay`: events whose processing failed are processed again, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.messages.models import Message
from sportello.settings import Settings
from sportello.webhooks.models import WebhookEvent, WebhookState
from webhooks.conftest import Business, Post, sample_files


async def test_failed_events_are_replayed_from_the_cli(
    business: Business, post_signed: Post, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await post_signed(sample_files()[0].read_bytes())
    async with unit_of_work(sessionmaker) as session:
        event = await session.scalar(select(WebhookEvent))
        assert event is not None
        # As a parser bug would leave it.
        event.state, event.error = WebhookState.FAILED, "KeyError: 'text'"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")} | {
        "SPORTELLO_DATA_DIR": str(settings.data_dir),
        "SPORTELLO_DATABASE_URL": settings.resolved_database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "sportello", "webhooks", "replay", "--failed", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["queued"] == 1 and result["processed"] == 1 and result["now_processed"] == 1
    async with unit_of_work(sessionmaker) as session:
        assert len((await session.scalars(select(Message))).all()) == 1
    again = subprocess.run(
        [sys.executable, "-m", "sportello", "webhooks", "replay", "--all", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert json.loads(again.stdout)["processed"] == 1
    async with unit_of_work(sessionmaker) as session:
        assert len((await session.scalars(select(Message))).all()) == 1, "replaying stores nothing twice"
