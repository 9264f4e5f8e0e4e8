"""What the emulator remembers (in memory, one process): customers' windows, every accepted
send (also appended to a JSONL log when configured), conversations, media, templates."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from sportello.emulator.config import Business, EmulatorConfig

# A BSUID: two-letter country code, a dot, up to 128 alphanumerics (M-BSUID,
# https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


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


def bsuid_for(digits: str) -> str:
    """The customer's business-scoped user id: stable for a phone, new for a new phone, as Meta's
    (a phone change gives a new BSUID, M-BSUID). The country code is the phone's; the rest is
    derived from the number, so every run gives the same one."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse("+" + digits)) or "US"
    except phonenumbers.NumberParseException:
        region = "US"
    if not re.fullmatch(r"[A-Z]{2}", region):
        region = "US"
    return f"{region}.{int.from_bytes(hashlib.sha256(digits.encode()).digest()[:8], 'big')}"


def hidden_phone_for(username: str) -> str:
    """The phone behind a username the emulator plays without being told one (every WhatsApp
    account has a phone; a username user's is only kept from the business)."""
    digits = "39" + str(int.from_bytes(hashlib.sha256(username.lower().encode()).digest()[:8], "big"))[-10:]
    # Numbers ending in 0000 are the emulator's undeliverable ones.
    return digits[:-1] + "1" if digits.endswith("0000") else digits


@dataclass
class Customer:
    """A WhatsApp user the emulator plays. Meta always knows the phone; with `hide_phone` (a
    username user not in the business's contact book) webhooks leave it out (M-BSUID)."""

    phone: str  # digits, as `wa_id`
    user_id: str
    username: str = ""
    hide_phone: bool = False


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
    send_attempts: int = 0  # every POST /messages that passed validation, accepted or not
    pair_tokens: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    # Per (number, customer): every read receipt taken, and until when "typing…" shows.
    read_receipts: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    typing_until: dict[tuple[str, str], float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def customer(self, digits: str) -> Customer:
        """The customer with this phone, known from their first message or send on."""
        found = self.customers.get(digits)
        if found is None:
            found = self.customers[digits] = Customer(phone=digits, user_id=bsuid_for(digits))
        return found

    def resolve(self, who: str) -> str | None:
        """A customer's phone digits from their phone, BSUID or username (`@name` or `name`)."""
        who = who.strip()
        if BSUID.fullmatch(who):
            return next((c.phone for c in self.customers.values() if c.user_id == who), None)
        digits = re.sub(r"[+\-() ]", "", who)
        if digits.isdigit() and 7 <= len(digits) <= 15:
            return digits
        name = who.lstrip("@").lower()
        return next((c.phone for c in self.customers.values() if name and c.username.lower() == name), None)

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
