"""Delivers the outbox over SMTP (aiosmtplib) when `SPORTELLO_SMTP_HOST` is set.

Each email is claimed before it is sent, so several processes can run senders at once; a
failed send is retried later with backoff, up to a bound, and its error kept for the operator."""

from __future__ import annotations

import logging
import weakref
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.background import PollingLoop
from sportello.mail import repository as repo
from sportello.mail.models import OutboxEmail
from sportello.settings import Settings

logger = logging.getLogger("sportello.mail")
CLAIM_HOLD = timedelta(seconds=60)


async def _send(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        start_tls=settings.smtp_starttls,
        timeout=20,
    )


async def deliver_pending(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Send what is due; returns how many were sent. Does nothing without SMTP settings."""
    if not settings.smtp_host:
        return 0
    async with unit_of_work(sessionmaker) as session:
        due = await repo.list_due_ids(session, now=datetime.now(UTC))
    sent = 0
    for email_id in due:
        async with unit_of_work(sessionmaker) as session:
            email = await repo.claim(session, email_id, now=datetime.now(UTC), hold=CLAIM_HOLD)
            if email is None:
                continue
            to, subject, body, attempts = email.to_address, email.subject, email.body, email.attempts
        try:
            await _send(settings, to, subject, body)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            logger.warning("email not sent", extra={"email_id": email_id, "attempt": attempts, "error": str(exc)})
            async with unit_of_work(sessionmaker) as session:
                failed = await session.get(OutboxEmail, email_id)
                if failed is not None:
                    failed.last_error = str(exc)[:1000]
                    failed.claimed_until = datetime.now(UTC) + timedelta(seconds=min(3600, 15 * 2**attempts))
            continue
        async with unit_of_work(sessionmaker) as session:
            done = await session.get(OutboxEmail, email_id)
            if done is not None:
                done.sent_at = datetime.now(UTC)
                done.last_error = None
        sent += 1
        logger.info("email sent", extra={"email_id": email_id, "to": to})
    return sent


_running: weakref.WeakSet[MailSender] = weakref.WeakSet()


def wake_local_senders() -> None:
    """Called after a commit that queued email: this process's sender goes at once, not at its next poll."""
    for sender in list(_running):
        sender.wake()


class MailSender(PollingLoop):
    """Delivers the outbox; does nothing without SMTP settings."""

    name = "mail-sender"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        super().__init__(settings.mail_poll_seconds)
        self._sessionmaker = sessionmaker
        self._settings = settings
        _running.add(self)

    def start(self) -> None:
        if self._settings.smtp_host:
            super().start()

    async def round(self) -> int:
        return await deliver_pending(self._sessionmaker, self._settings)
