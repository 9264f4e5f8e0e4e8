"""Delivers the outbox over SMTP (aiosmtplib) when `SPORTELLO_SMTP_HOST` is set.

Each email is claimed before it is sent, so several processes can run senders at once; a
failed send is retried later with backoff, up to a bound, and its error kept for the operator."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.queue import QueueLoop, backoff
from sportello.mail import repository as repo
from sportello.mail.models import OutboxEmail
from sportello.settings import Settings

logger = logging.getLogger("sportello.mail")
CLAIM_HOLD = timedelta(seconds=60)
BATCH_SIZE = 20


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
        claimed = await repo.QUEUE.claim(
            session,
            limit=BATCH_SIZE,
            hold=CLAIM_HOLD,
            columns=(OutboxEmail.to_address, OutboxEmail.subject, OutboxEmail.body, OutboxEmail.attempts),
        )
    sent = 0
    for email_id, to, subject, body, attempts in claimed:
        try:
            await _send(settings, to, subject, body)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            logger.warning("email not sent", extra={"email_id": email_id, "attempt": attempts, "error": str(exc)})
            async with unit_of_work(sessionmaker) as session:
                await repo.QUEUE.retry_later(
                    session, email_id, delay=backoff(attempts, base=15, cap=3600), last_error=str(exc)[:1000]
                )
            continue
        # Marked at once, not with the batch: a crash after SMTP took it resends only this one.
        async with unit_of_work(sessionmaker) as session:
            await repo.QUEUE.finish(session, [email_id], sent_at=datetime.now(UTC), last_error=None)
        sent += 1
        logger.info("email sent", extra={"email_id": email_id, "to": to})
    return sent


def wake_local_senders() -> None:
    """Called after a commit that queued email: this process's sender goes at once, not at its next poll."""
    repo.QUEUE.wake()


class MailSender(QueueLoop):
    """Delivers the outbox; does nothing without SMTP settings."""

    name = "mail-sender"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        super().__init__(repo.QUEUE, settings.mail_poll_seconds)
        self._sessionmaker = sessionmaker
        self._settings = settings

    def start(self) -> None:
        if self._settings.smtp_host:
            super().start()

    async def round(self) -> int:
        return await deliver_pending(self._sessionmaker, self._settings)
