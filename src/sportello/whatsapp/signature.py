"""`X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the Meta app's secret."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(raw_body: bytes, app_secret: str) -> str:
    """The header value Meta sends for `raw_body`."""
    return PREFIX + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not app_secret:
        return False
    header = header.strip()
    if not header.lower().startswith(PREFIX):
        return False
    given = header[len(PREFIX) :].lower()
    if len(given) != 64:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)
