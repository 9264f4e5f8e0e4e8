"""The outbound sender: takes `Pending` messages to Meta.

Exactly once, across crashes: each message carries its uuid to Meta as
`biz_opaque_callback_data`, and an attempt that ended without a stored answer (the process
died, the request timed out) is not repeated until Meta has had time to report it: a status
webhook with that uuid marks it sent (`webhooks.flows`); only silence past
`send_reconcile_seconds` lets it go again. Per number, sends keep under `send_rate_per_second`;
Meta's rate errors (130429, 131056), 5xx and timeouts retry with backoff; other errors end the
message as `Error` with Meta's code and a sentence the agent understands.

In order per chat: only the oldest pending message of a chat is ever due, so a message waiting
for a retry holds the ones sent after it, and the customer reads them in the order they were
written; one that ends as `Error` (after `MAX_ATTEMPTS` at most) lets the rest go."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.background import PollingLoop
from sportello.kit.encryption import SecretBox
from sportello.kit.phones import wa_id
from sportello.messages import repository as repo
from sportello.messages.models import Media, Message, SendStatus
from sportello.realtime import service as live
from sportello.settings import Settings
from sportello.whatsapp import outbound_payloads as payloads
from sportello.whatsapp.client import GraphApiClient
from sportello.whatsapp.errors import TRANSPORT_ERROR, GraphApiError

logger = logging.getLogger("sportello.sender")
MAX_ATTEMPTS = 12
BATCH = 32
CONCURRENCY = 16


class NumberRate:
    """A token bucket per WhatsApp number (this process's share of Meta's throughput)."""

    def __init__(self, per_second: float) -> None:
        self._per_second = per_second
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, number_id: int) -> None:
        while True:
            async with self._lock:
                now = time.monotonic()
                tokens, last = self._buckets.get(number_id, (self._per_second, now))
                tokens = min(self._per_second, tokens + (now - last) * self._per_second)
                if tokens >= 1:
                    self._buckets[number_id] = (tokens - 1, now)
                    return
                self._buckets[number_id] = (tokens, now)
                wait = (1 - tokens) / self._per_second
            await asyncio.sleep(wait)


@dataclass(frozen=True)
class _Job:
    message_id: int
    uuid: str
    number_id: int
    phone_number_id: str
    access_token: str
    to: str
    payload: dict[str, Any] | None  # None: media to upload first
    media: dict[str, Any] | None


def _backoff(attempts: int, code: int, base: float) -> timedelta:
    if code not in (130429, 131056):
        base *= 2
    return timedelta(seconds=min(300.0, base * 2 ** min(attempts, 8)) * (0.75 + random.random() / 2))


def build_payload(message: Message, to: str) -> dict[str, Any] | None:
    """Meta's body for a stored message; `None` when a file must be uploaded first."""
    content, callback, reply_to = message.content, message.uuid, message.reply_to_meta_id
    template = content.get("template")
    if isinstance(template, dict):
        return payloads.template(
            to,
            str(template.get("name", "")),
            str(template.get("language", "")),
            list(template.get("components", [])),
            callback=callback,
        )
    media = content.get("media")
    if isinstance(media, dict):
        if not media.get("meta_media_id"):
            return None
        return payloads.media(
            to,
            str(media.get("kind", "document")),
            str(media["meta_media_id"]),
            caption=message.text or None,
            filename=str(media.get("filename") or "") or None,
            reply_to=reply_to,
            callback=callback,
        )
    buttons = content.get("buttons")
    if isinstance(buttons, list) and buttons:
        return payloads.buttons(
            to, message.text, [(str(b["id"]), str(b["title"])) for b in buttons], reply_to=reply_to, callback=callback
        )
    listing = content.get("list")
    if isinstance(listing, dict):
        return payloads.list_message(
            to,
            message.text,
            str(listing["button"]),
            list(listing["sections"]),
            header=listing.get("header") or None,
            footer=listing.get("footer") or None,
            reply_to=reply_to,
            callback=callback,
        )
    reaction = content.get("reaction")
    if isinstance(reaction, dict):
        return payloads.reaction(to, str(reaction.get("message_id", "")), str(reaction.get("emoji", "")))
    return payloads.text(to, message.text, reply_to=reply_to, callback=callback)


class OutboundSender(PollingLoop):
    name = "outbound-sender"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        box: SecretBox,
        http: httpx.AsyncClient,
    ) -> None:
        super().__init__(settings.send_poll_seconds)
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._box = box
        self._client = GraphApiClient(http, base_url=settings.graph_api_base_url, version=settings.graph_api_version)
        self._rate = NumberRate(settings.send_rate_per_second)
        _running.add(self)

    async def round(self) -> int:
        return await self.send_due()

    async def send_due(self) -> int:
        """One round: claim what is due and send it. Returns how many messages were handled."""
        now = datetime.now(UTC)
        async with unit_of_work(self._sessionmaker) as session:
            due = await repo.list_due_outbound_ids(session, now=now, limit=BATCH)
        jobs = [job for message_id in due if (job := await self._claim(message_id)) is not None]
        gate = asyncio.Semaphore(CONCURRENCY)

        async def run(job: _Job) -> None:
            async with gate:
                await self._attempt(job)

        await asyncio.gather(*(run(job) for job in jobs))
        return len(jobs)

    async def _claim(self, message_id: int) -> _Job | None:
        settings = self._settings
        now = datetime.now(UTC)
        async with unit_of_work(self._sessionmaker) as session:
            message = await repo.claim_outbound(
                session, message_id, now=now, hold=timedelta(seconds=settings.send_claim_seconds)
            )
            if message is None:
                return None
            if message.attempt_started_at is not None:
                # The last attempt ended without Meta's answer: give its status webhook time.
                wait_until = message.attempt_started_at + timedelta(seconds=settings.send_reconcile_seconds)
                if now < wait_until:
                    message.claimed_until = None
                    message.next_attempt_at = wait_until
                    return None
            row = (
                await session.execute(
                    select(Chat, Contact, WhatsAppNumber)
                    .join(Contact, Contact.id == Chat.contact_id)
                    .join(WhatsAppNumber, WhatsAppNumber.id == message.whatsapp_number_id)
                    .where(Chat.id == message.chat_id)
                )
            ).first()
            if row is None:
                message.send_status = SendStatus.ERROR
                message.error_message = "The chat's WhatsApp number is no longer connected."
                message.claimed_until = None
                await live.record_message(session, message)
                return None
            _chat, contact, number = row
            # The phone when known (Meta recommends it), else the BSUID of a username user.
            to = wa_id(contact.phone) if contact.phone else contact.whatsapp_user_id
            if not to:
                message.send_status = SendStatus.ERROR
                message.error_message = "The contact has no phone nor WhatsApp user id to write to."
                message.claimed_until = None
                await live.record_message(session, message)
                return None
            message.attempts += 1
            message.attempt_started_at = now
            return _Job(
                message_id=message.id,
                uuid=message.uuid,
                number_id=number.id,
                phone_number_id=number.phone_number_id,
                access_token=self._box.open(number.access_token_sealed),
                to=to,
                payload=build_payload(message, to),
                media=message.content.get("media") if isinstance(message.content.get("media"), dict) else None,
            )

    async def _attempt(self, job: _Job) -> None:
        await self._rate.acquire(job.number_id)
        try:
            payload = job.payload or await self._upload(job)
            result = await self._client.send(
                access_token=job.access_token, phone_number_id=job.phone_number_id, payload=payload
            )
        except GraphApiError as error:
            await self._record_failure(job, error)
            return
        async with unit_of_work(self._sessionmaker) as session:
            message = await session.get(Message, job.message_id)
            if message is None:
                return
            message.meta_id = message.meta_id or result.meta_id
            if message.send_status is SendStatus.PENDING:
                message.send_status = SendStatus.SENT
                # Meta's status times have whole seconds; ours too, so the ticks stay in order.
                message.sent_at = datetime.now(UTC).replace(microsecond=0)
            message.attempt_started_at = None
            message.claimed_until = None
            message.error_code = None
            message.error_message = ""
            await live.record_message(session, message)

    async def _upload(self, job: _Job) -> dict[str, Any]:
        media = job.media or {}
        async with unit_of_work(self._sessionmaker) as session:
            stored = await session.scalar(select(Media).where(Media.uuid == str(media.get("media_uuid", ""))))
            if stored is None or stored.storage_path is None:
                raise GraphApiError(http_status=400, code=131053, message="the file to send is missing")
            path, mime, name = stored.storage_path, stored.mime_type, stored.filename or "file"
        content = await asyncio.to_thread((self._settings.data_dir / path).read_bytes)
        media_id = await self._client.upload_media(
            access_token=job.access_token,
            phone_number_id=job.phone_number_id,
            content=content,
            mime_type=mime,
            filename=name,
        )
        async with unit_of_work(self._sessionmaker) as session:
            message = await session.get(Message, job.message_id)
            assert message is not None
            message.content = {**message.content, "media": {**media, "meta_media_id": media_id}}
            payload = build_payload(message, job.to)
        assert payload is not None
        return payload

    async def _record_failure(self, job: _Job, error: GraphApiError) -> None:
        async with unit_of_work(self._sessionmaker) as session:
            message = await session.get(Message, job.message_id)
            if message is None:
                return
            message.claimed_until = None
            message.error_code = error.code if error.code != TRANSPORT_ERROR else None
            message.error_message = error.agent_message("en")
            if error.code != TRANSPORT_ERROR:
                # Meta answered: the message is certainly not accepted.
                message.attempt_started_at = None
            if error.is_retryable and message.attempts < MAX_ATTEMPTS:
                message.next_attempt_at = datetime.now(UTC) + _backoff(
                    message.attempts, error.code, self._settings.send_retry_base_seconds
                )
                logger.info("send retried later", extra={"message_uuid": job.uuid, "code": error.code})
            else:
                message.send_status = SendStatus.ERROR
                message.attempt_started_at = None
                await live.record_message(session, message)
                logger.warning(
                    "send failed", extra={"message_uuid": job.uuid, "code": error.code, "error": error.message}
                )


_running: weakref.WeakSet[OutboundSender] = weakref.WeakSet()


def wake_local_senders() -> None:
    for sender in list(_running):
        sender.wake()
