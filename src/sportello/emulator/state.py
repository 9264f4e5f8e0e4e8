"""What the emulator remembers (in memory, one process): customers' windows, every accepted
send (also appended to a JSONL log when configured), conversations, media, templates."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sportello.emulator.config import Business, EmulatorConfig


def new_wamid() -> str:
    return "wamid." + secrets.token_urlsafe(36)


@dataclass
class StoredMedia:
    media_id: str
    phone_number_id: str
    content: bytes
    mime_type: str
    sha256: str
    filename: str


@dataclass
class StoredTemplate:
    template_id: str
    waba_id: str
    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    status: str = "PENDING"
    reason: str = "NONE"
    parameter_format: str = "POSITIONAL"  # or "NAMED": `{{order_id}}` instead of `{{1}}`


@dataclass
class Entry:
    """One message of a conversation, as the customer's phone shows it."""

    direction: str  # "in" (customer → business) or "out"
    wamid: str
    type: str
    text: str
    payload: dict[str, Any]
    at: float
    status: str = ""
    # A template's buttons as the phone shows them (type, text, url or payload).
    buttons: list[dict[str, str]] = field(default_factory=list)


@dataclass
class State:
    config: EmulatorConfig
    last_inbound: dict[tuple[str, str], float] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    conversations: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    media: dict[str, StoredMedia] = field(default_factory=dict)
    media_urls: dict[str, tuple[str, float]] = field(default_factory=dict)
    templates: dict[str, StoredTemplate] = field(default_factory=dict)
    number_sends: dict[str, deque[float]] = field(default_factory=dict)
    pair_tokens: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    # Per (number, customer): every read receipt taken, and until when "typing…" shows.
    read_receipts: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    typing_until: dict[tuple[str, str], float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def business_by_number(self, phone_number_id: str) -> Business | None:
        return next((b for b in self.config.businesses if b.phone_number_id == phone_number_id), None)

    def business_by_waba(self, waba_id: str) -> Business | None:
        return next((b for b in self.config.businesses if b.waba_id == waba_id), None)

    def record_send(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.sent.append(entry)
            if self.config.log_path:
                with open(self.config.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(entry) + "\n")

    def conversation(self, phone_number_id: str, wa_id: str) -> list[Entry]:
        return self.conversations.setdefault((phone_number_id, wa_id), [])

    def find_entry(self, wamid: str) -> Entry | None:
        for entries in self.conversations.values():
            for entry in entries:
                if entry.wamid == wamid:
                    return entry
        return None

    def window_open(self, phone_number_id: str, wa_id: str, now: float | None = None) -> bool:
        last = self.last_inbound.get((phone_number_id, wa_id))
        return last is not None and (now or time.time()) - last < 24 * 3600

    def take_number_slot(self, phone_number_id: str, now: float) -> bool:
        """130429: at most `number_rate_per_second` sends in any second."""
        window = self.number_sends.setdefault(phone_number_id, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.config.number_rate_per_second:
            return False
        window.append(now)
        return True

    def count_inbound(self, phone_number_id: str, now: float) -> None:
        """A customer's message uses the number's throughput as a send does (Meta counts both);
        it is never refused, but the sends after it may be."""
        self.number_sends.setdefault(phone_number_id, deque()).append(now)

    def media_url(self, media_id: str, base_url: str, now: float) -> str:
        """A download address for a media id, valid `media_url_ttl_seconds` (Meta: 5 minutes)."""
        token = secrets.token_urlsafe(24)
        self.media_urls[token] = (media_id, now + self.config.media_url_ttl_seconds)
        return base_url.rstrip("/") + f"/_media/{token}"

    def take_pair_slot(self, phone_number_id: str, wa_id: str, now: float) -> bool:
        """131056: a token bucket per business → customer pair."""
        burst = self.config.pair_burst
        if burst is None:
            return True
        tokens, last = self.pair_tokens.get((phone_number_id, wa_id), (float(burst), now))
        tokens = min(float(burst), tokens + (now - last) * self.config.pair_per_second)
        if tokens < 1:
            self.pair_tokens[(phone_number_id, wa_id)] = (tokens, now)
            return False
        self.pair_tokens[(phone_number_id, wa_id)] = (tokens - 1, now)
        return True
