"""Webhooks to the business, as Meta sends them: Meta's envelope, signed with the app secret,
retried with backoff until the receiver answers 200; with chaos flags, duplicated and reordered."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import time
from typing import Any

import httpx

from sportello.emulator.config import Business, EmulatorConfig
from sportello.kit.http_clients import ClientRing

logger = logging.getLogger("sportello.emulator.webhooks")
# Deliveries on the way at once, one connection each (`ClientRing`). Beyond this they wait their
# turn here, in O(1): thousands waiting inside an HTTP client's pool cost it a scan of them all
# per request (quadratic under a burst).
MAX_IN_FLIGHT = 64


def envelope(business: Business, value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    # `entry[].time`: Meta's samples carry the unix time of the change on every entry
    # (shared/whatsapp-samples/13_template_status_approved.json).
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": business.waba_id, "time": int(time.time()), "changes": [{"value": value, "field": field}]}],
    }


def metadata(business: Business) -> dict[str, str]:
    return {"display_phone_number": business.display_phone_number, "phone_number_id": business.phone_number_id}


class WebhookOutbox:
    def __init__(self, config: EmulatorConfig, rng: random.Random) -> None:
        self._config = config
        self._rng = rng
        # (business, body, attempts so far, time of the first attempt)
        self._queue: asyncio.Queue[tuple[Business, bytes, int, float]] = asyncio.Queue()
        self._http: ClientRing | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.delivered: list[dict[str, Any]] = []
        self.attempts = 0

    def start(self) -> None:
        self._http = ClientRing(MAX_IN_FLIGHT, timeout=10.0)
        self._worker = asyncio.create_task(self._run(), name="emulator-webhooks")

    async def stop(self) -> None:
        for task in [*self._tasks, *([self._worker] if self._worker else [])]:
            task.cancel()
        for task in [*self._tasks, *([self._worker] if self._worker else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.aclose()

    def send(self, business: Business, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        copies = 2 if self._rng.random() < self._config.duplicate_probability else 1
        for _ in range(copies):
            self._queue.put_nowait((business, body, 0, time.time()))

    async def _run(self) -> None:
        while True:
            business, body, attempt, first = await self._queue.get()
            delay = (
                self._rng.uniform(0, self._config.reorder_window_seconds) if self._config.reorder_window_seconds else 0
            )
            task = asyncio.create_task(self._deliver(business, body, attempt, first, delay))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, business: Business, body: bytes, attempt: int, first: float, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        assert self._http is not None
        signature = "sha256=" + hmac.new(business.app_secret.encode(), body, hashlib.sha256).hexdigest()
        self.attempts += 1
        try:
            async with self._in_flight:
                response = await self._http.next().post(
                    business.webhook_url,
                    content=body,
                    headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
                )
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok:
            self.delivered.append({"at": time.time(), "body": json.loads(body)})
            return
        # Meta retries at once, then with decreasing frequency, for up to 7 days, then drops the
        # webhook (shared/whatsapp-cloud-api.md §2, "Retry").
        backoff = min(
            self._config.webhook_retry_max_backoff_seconds, self._config.webhook_retry_base_seconds * 2**attempt
        )
        if time.time() + backoff - first > self._config.webhook_retry_seconds:
            logger.warning("webhook dropped after %s attempts over %.0f s", attempt + 1, time.time() - first)
            return
        await asyncio.sleep(backoff)
        self._queue.put_nowait((business, body, attempt + 1, first))
