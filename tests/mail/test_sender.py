"""The outbox is delivered by real SMTP; a failed delivery is kept, with its error, and retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.mail import service
from sportello.mail.models import OutboxEmail
from sportello.mail.sender import deliver_pending
from sportello.settings import Settings
from support.servers import free_port
from support.smtp import smtp_server


async def _queue(sessionmaker: async_sessionmaker[AsyncSession], count: int = 1) -> None:
    async with unit_of_work(sessionmaker) as session:
        for index in range(count):
            await service.enqueue_email(session, to=f"person{index}@example.com", subject="Hello", body="Body ✓")


async def test_queued_email_is_delivered_once(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    await _queue(sessionmaker, 3)
    with smtp_server() as (inbox, port):
        settings = Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        assert await deliver_pending(sessionmaker, settings) == 3
        assert await deliver_pending(sessionmaker, settings) == 0
        received = inbox.wait_for(3)
    assert sorted(m["To"] for m in received) == ["person0@example.com", "person1@example.com", "person2@example.com"]
    assert received[0].get_content().strip() == "Body ✓"


async def test_smtp_down_keeps_the_email_and_retries(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _queue(sessionmaker)
    nobody = Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())
    assert await deliver_pending(sessionmaker, nobody) == 0
    async with unit_of_work(sessionmaker) as session:
        email = await session.scalar(select(OutboxEmail))
        assert email is not None and email.sent_at is None and email.attempts == 1 and email.last_error
        # The retry waits for its backoff; move the clock on.
        await session.execute(update(OutboxEmail).values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
    with smtp_server() as (inbox, port):
        up = Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        assert await deliver_pending(sessionmaker, up) == 1
        assert inbox.wait_for(1)[0]["To"] == "person0@example.com"


async def test_without_smtp_nothing_is_sent_and_nothing_is_lost(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _queue(sessionmaker)
    assert await deliver_pending(sessionmaker, Settings(data_dir=tmp_path)) == 0
    async with unit_of_work(sessionmaker) as session:
        outbox = await service.list_outbox(session)
    assert [(e.to_address, e.sent_at) for e in outbox] == [("person0@example.com", None)]
