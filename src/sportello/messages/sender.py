"""The outbound sender: takes `Pending` messages to Meta.

Exactly once, across crashes: each message carries its uuid to Meta as
`biz_opaque_callback_data`, and an attempt that ended without a stored answer (the process
died, the request timed out) is not repeated until Meta has had time to report it: a status
webhook with that uuid marks it sent (`webhooks.flows`); only silence past
`send_reconcile_seconds` lets it go again. Meta's rate errors (130429, 131056), 5xx and timeouts
retry with backoff; other errors end the message as `Error` with Meta's code and a sentence the
agent understands.

Batched and concurrent: one statement claims many due messages, they go to Meta concurrently,
and their outcomes are written together, one transaction for all that came back meanwhile.
Per number, sends keep under `send_rate_per_second` through a token bucket (`kit.token_bucket`)
that lives in Redis when it is configured, so every process sending for a number shares it.

In order per chat: only the oldest pending message of a chat is ever due, and a claimed one stays
pending until its outcome is written, so a chat never has two messages on the way to Meta; a
message waiting for a retry holds the ones sent after it, and the customer reads them in the
order they were written; one that ends as `Error` (after `MAX_ATTEMPTS` at most) lets the rest go."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import random
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.background import PollingLoop
from sportello.kit.encryption import SecretBox
from sportello.kit.group_commit import write_turn_for
from sportello.kit.http_clients import ClientRing
from sportello.kit.phones import wa_id
from sportello.kit.token_bucket import TokenBucket, create_token_bucket, take
from sportello.messages import repository as repo
from sportello.messages.models import Message
from sportello.messages.repository import ClaimedMessage, SendRetry
from sportello.realtime import service as live
from sportello.settings import Settings
from sportello.whatsapp import outbound_payloads as payloads
from sportello.whatsapp.client import GraphApiClient
from sportello.whatsapp.errors import TRANSPORT_ERROR, GraphApiError

logger = logging.getLogger("sportello.sender")
MAX_ATTEMPTS = 12
# What a number may save up: 50 ms of its rate, so a sender that wakes late does not lose pace,
# while any second holds at most rate + 5 % of it.
BURST_SECONDS = 0.05
# Sends on the way at most, whatever the rate (the sender's `ClientRing` keeps as many connections).
MAX_IN_FLIGHT = 128


@dataclass(frozen=True)
class _Job:
    message: ClaimedMessage
    phone_number_id: str
    access_token: str
    to: str
    payload: dict[str, Any] | None  # None: media to upload first


@dataclass(frozen=True)
class _Outcome:
    job: _Job
    wamid: str = ""
    error: GraphApiError | None = None


def _backoff(attempts: int, code: int, base: float) -> timedelta:
    if code not in (130429, 131056):
        base *= 2
    return timedelta(seconds=min(300.0, base * 2 ** min(attempts, 8)) * (0.75 + random.random() / 2))


def build_payload(message: Message | ClaimedMessage, to: str) -> dict[str, Any] | None:
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
        http: httpx.AsyncClient | ClientRing,
        *,
        bucket: TokenBucket | None = None,
    ) -> None:
        super().__init__(settings.send_poll_seconds)
        self._sessionmaker = sessionmaker
        # Its claims and outcomes take turns with the webhook writer and processor (SQLite).
        self._turn = write_turn_for(sessionmaker)
        self._settings = settings
        self._box = box
        pools = [http] if isinstance(http, httpx.AsyncClient) else http.clients
        # Each send takes the next client of the ring; a chat has one send on the way at a time,
        # so which client carries it changes nothing of its order.
        self._clients = itertools.cycle(
            [GraphApiClient(p, base_url=settings.graph_api_base_url, version=settings.graph_api_version) for p in pools]
        )
        rate = settings.send_rate_per_second
        self._bucket = bucket or create_token_bucket(
            settings.redis_url, rate=rate, burst=max(1, int(rate * BURST_SECONDS))
        )
        # Enough on the way to keep up the rate while outcomes wait for their commit (1/8 s of
        # it, and at least 32 for a busy machine), and few: each one Meta accepted whose answer
        # a crash loses waits for its status webhook (`send_reconcile_seconds`) before it may go again.
        self._max_in_flight = max(32, min(MAX_IN_FLIGHT, int(rate / 8)))
        self._lanes: dict[str, asyncio.Lock] = {}
        self._tokens: dict[str, str] = {}
        _running.add(self)

    async def stop(self) -> None:
        await super().stop()
        await self._bucket.close()

    async def round(self) -> int:
        return await self.send_due()

    async def send_due(self) -> int:
        """Send until nothing is due: claim while there is room, write outcomes as they come
        back (which makes the next message of their chats due). Returns how many were handled."""
        in_flight: set[asyncio.Task[None]] = set()
        outcomes: list[_Outcome] = []
        arrived = asyncio.Event()
        handled = 0

        async def attempt(job: _Job) -> None:
            outcomes.append(await self._attempt(job))
            arrived.set()

        try:
            while True:
                room = self._max_in_flight - len(in_flight)
                if room >= max(1, self._max_in_flight // 8) or not in_flight:
                    jobs, ended = await self._claim(room)
                    handled += ended
                    for job in jobs:
                        task = asyncio.create_task(attempt(job))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                if not in_flight and not outcomes:
                    return handled
                arrived.clear()
                if not outcomes:
                    await arrived.wait()
                batch = outcomes[:]
                outcomes.clear()
                await self._record(batch)
                handled += len(batch)
        finally:
            # Stopped: what is on the way is left to the reconciliation, like a crash.
            for task in in_flight:
                task.cancel()

    async def _claim(self, limit: int) -> tuple[list[_Job], int]:
        """Claims up to `limit` messages; returns their jobs and how many ended at once (no
        number or nobody to write to)."""
        settings = self._settings
        now = datetime.now(UTC)
        jobs: list[_Job] = []
        ended: list[ClaimedMessage] = []
        async with self._turn(), unit_of_work(self._sessionmaker) as session:
            claimed = await repo.claim_batch(
                session,
                now=now,
                limit=limit,
                hold=timedelta(seconds=settings.send_claim_seconds),
                started_before=now - timedelta(seconds=settings.send_reconcile_seconds),
            )
            failures: list[tuple[int, int | None, str]] = []
            for message in claimed:
                if message.number_id is None:
                    failures.append((message.id, None, "The chat's WhatsApp number is no longer connected."))
                    ended.append(message)
                    continue
                # The phone when known (Meta recommends it), else the BSUID of a username user.
                to = wa_id(message.phone) if message.phone else message.whatsapp_user_id
                if not to:
                    failures.append((message.id, None, "The contact has no phone nor WhatsApp user id to write to."))
                    ended.append(message)
                    continue
                jobs.append(
                    _Job(
                        message=message,
                        phone_number_id=message.phone_number_id,
                        access_token=self._open(message.access_token_sealed),
                        to=to,
                        payload=build_payload(message, to),
                    )
                )
            if failures:
                await repo.fail_batch(session, failures)
                await self._tell(session, ended)
        return jobs, len(ended)

    def _open(self, sealed: str) -> str:
        # Decrypted once per process; a new token is a new ciphertext, so a change is seen.
        token = self._tokens.get(sealed)
        if token is None:
            if len(self._tokens) > 1_000:
                self._tokens.clear()
            token = self._tokens[sealed] = self._box.open(sealed)
        return token

    def _lane(self, phone_number_id: str) -> asyncio.Lock:
        # One waiter per number asks the bucket; the others queue behind it in claim order.
        lane = self._lanes.get(phone_number_id)
        if lane is None:
            lane = self._lanes[phone_number_id] = asyncio.Lock()
        return lane

    async def _attempt(self, job: _Job) -> _Outcome:
        try:
            async with self._lane(job.phone_number_id):
                await take(self._bucket, job.phone_number_id)
            payload = job.payload or await self._upload(job)
            result = await next(self._clients).send(
                access_token=job.access_token, phone_number_id=job.phone_number_id, payload=payload
            )
        except GraphApiError as error:
            return _Outcome(job, error=error)
        except (OSError, ValueError) as error:
            # Whether Meta has it is unknown (Redis gone, a file unreadable): like no answer.
            logger.warning("send interrupted", extra={"message_uuid": job.message.uuid, "error": str(error)})
            return _Outcome(job, error=GraphApiError(http_status=0, code=TRANSPORT_ERROR, message=str(error)))
        return _Outcome(job, wamid=result.meta_id)

    async def _upload(self, job: _Job) -> dict[str, Any]:
        media = job.message.content.get("media")
        media = media if isinstance(media, dict) else {}
        async with unit_of_work(self._sessionmaker) as session:
            stored = await repo.find_media(session, uuid=str(media.get("media_uuid", "")))
            if stored is None or stored.storage_path is None:
                raise GraphApiError(http_status=400, code=131053, message="the file to send is missing")
            path, mime, name = stored.storage_path, stored.mime_type, stored.filename or "file"
        content = await asyncio.to_thread((self._settings.data_dir / path).read_bytes)
        media_id = await next(self._clients).upload_media(
            access_token=job.access_token,
            phone_number_id=job.phone_number_id,
            content=content,
            mime_type=mime,
            filename=name,
        )
        async with unit_of_work(self._sessionmaker) as session:
            content_now = await repo.set_media_id(
                session, message_id=job.message.id, media={**media, "meta_media_id": media_id}
            )
        payload = build_payload(dataclasses.replace(job.message, content=content_now), job.to)
        assert payload is not None
        return payload

    async def _record(self, outcomes: Sequence[_Outcome]) -> None:
        """Every outcome that came back, in one transaction."""
        now = datetime.now(UTC)
        sent: list[tuple[int, str]] = []
        retries: list[SendRetry] = []
        failures: list[tuple[int, int | None, str]] = []
        told: list[ClaimedMessage] = []
        for outcome in outcomes:
            message, error = outcome.job.message, outcome.error
            if error is None:
                sent.append((message.id, outcome.wamid))
                told.append(message)
                continue
            code = error.code if error.code != TRANSPORT_ERROR else None
            text = error.agent_message("en")
            if error.is_retryable and message.attempts < MAX_ATTEMPTS:
                due = now + _backoff(message.attempts, error.code, self._settings.send_retry_base_seconds)
                # Meta answered: the message is certainly not accepted, and may go at `due`.
                retries.append(SendRetry(message.id, due, code, text, answered=error.code != TRANSPORT_ERROR))
                logger.info("send retried later", extra={"message_uuid": message.uuid, "code": error.code})
            else:
                failures.append((message.id, code, text))
                told.append(message)
                logger.warning(
                    "send failed", extra={"message_uuid": message.uuid, "code": error.code, "error": error.message}
                )
        async with self._turn(), unit_of_work(self._sessionmaker) as session:
            # Meta's status times have whole seconds; ours too, so the ticks stay in order.
            await repo.mark_sent_batch(session, sent, now=now.replace(microsecond=0))
            await repo.retry_later_batch(session, retries)
            await repo.fail_batch(session, failures)
            await self._tell(session, told)

    async def _tell(self, session: AsyncSession, messages: Sequence[ClaimedMessage]) -> None:
        """Live pages hear of each changed message, after the commit (the event is rendered with
        its chat by the publisher: nothing to look up here)."""
        for message in messages:
            live.record(session, account_id=message.account_id, kind="message", ref=message.uuid)


_running: weakref.WeakSet[OutboundSender] = weakref.WeakSet()


def wake_local_senders() -> None:
    for sender in list(_running):
        sender.wake()
