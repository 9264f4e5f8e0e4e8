"""The emulator's configuration: the businesses it hosts and how Meta behaves.

Documented rules:
- A recipient whose digits end in `0000` is undeliverable: the send is accepted, then fails
  asynchronously with 131026, as Meta reports numbers that are not on WhatsApp.
- A free-form (non-template) message to a customer who has not written in the last 24 hours
  is accepted, then fails asynchronously with 131047.
- A template whose name contains `reject` is rejected at review (reason `INVALID_FORMAT`, with
  `rejection_info` as Meta adds it for that reason); every other one is approved after
  `template_review_seconds`.
- Inbound messages count against `number_rate_per_second` too: Meta's throughput counts
  inbound and outbound together (shared/whatsapp-cloud-api.md §5, M-TPUT).
- `GET /{phone-number-id}` answers Meta's PhoneNumberInfo (`id`, `display_phone_number`,
  `verified_name`, `quality_rating`, or the `?fields=` asked for) with the business's
  `verified_name` and `quality_rating`, only with its access token.
- An unanswered webhook is retried with backoff for `webhook_retry_seconds` (Meta: 7 days).
- Per number, more than `number_rate_per_second` sends (burst as large) answer 130429; per
  business→customer pair, more than `pair_burst` quick sends answer 131056, refilled at
  `pair_per_second` (Meta allows about one message every 6 seconds to one person).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class Business:
    """A business number the emulator hosts. Its defaults are the demo's (not secrets: the
    emulator only ever talks to the Sportello it is configured for)."""

    phone_number_id: str = "106540352242922"
    waba_id: str = "102290129340398"
    display_phone_number: str = "15550783881"
    access_token: str = "emulator-access-token"  # noqa: S105
    app_secret: str = "emulator-app-secret"  # noqa: S105
    webhook_url: str = "http://127.0.0.1:8000/webhooks/whatsapp"
    verify_token: str = "emulator-verify-token"  # noqa: S105
    # What Meta says of the number (`GET /{phone-number-id}`): its approved name and quality.
    verified_name: str = "Sportello Demo"
    quality_rating: str = "GREEN"


@dataclass
class EmulatorConfig:
    businesses: list[Business] = field(default_factory=lambda: [Business()])
    sent_delay: float = 0.2
    delivered_delay: float = 0.5
    read_delay: float = 1.0
    # Meta leaves `delivered` out when it and `read` happen together.
    read_without_delivered_probability: float = 0.1
    auto_read: bool = True
    number_rate_per_second: float = 80.0
    pair_burst: int | None = 30
    pair_per_second: float = 1 / 6
    template_review_seconds: float = 1.0
    media_url_ttl_seconds: float = 300.0
    webhook_retry_base_seconds: float = 0.5
    webhook_retry_max_backoff_seconds: float = 60.0
    # Meta keeps retrying an unanswered webhook for 7 days; tests shorten it.
    webhook_retry_seconds: float = 7 * 24 * 3600.0
    # Chaos for tests: every Nth send answers 130429 as if the number were over its rate (0: never).
    rate_error_every: int = 0
    duplicate_probability: float = 0.0
    reorder_window_seconds: float = 0.0
    seed: int | None = None
    log_path: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmulatorConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "businesses"}
        businesses = [Business(**b) for b in data.get("businesses", [])] or [Business()]
        return cls(businesses=businesses, **values)

    @classmethod
    def from_file(cls, path: Path) -> EmulatorConfig:
        return cls.from_dict(json.loads(path.read_text()))
