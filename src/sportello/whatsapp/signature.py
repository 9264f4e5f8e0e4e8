"""Meta's proofs that a webhook call is Meta's: the `X-Hub-Signature-256` HMAC of the raw body
(with the app's secret), and the GET handshake that registers the callback URL."""

from __future__ import annotations

import hashlib
import hmac
import re

from sportello.errors import Forbidden

PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
# Meta's challenge is a number; anything outside this set is not echoed back.
_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{1,256}")


def _digest(raw_body: bytes, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def sign(raw_body: bytes, app_secret: str) -> str:
    """The header value Meta sends for `raw_body`."""
    return PREFIX + _digest(raw_body, app_secret)


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether `header` is `sha256=<hex>` of `raw_body` with `app_secret` (hex in either case).
    The bytes must be the body as received: re-encoded JSON would not match."""
    if not header or not app_secret:
        return False
    scheme, separator, given = header.strip().partition("=")
    given = given.strip().lower()
    if not separator or scheme.lower() != PREFIX[:-1] or not _HEX_DIGEST.fullmatch(given):
        return False
    return hmac.compare_digest(given.encode("ascii"), _digest(raw_body, app_secret).encode("ascii"))


def check_verification(mode: str | None, verify_token: str | None, challenge: str | None, expected_token: str) -> str:
    """The `hub.challenge` to answer (200, as plain text) when Meta registers our webhook URL with
    `hub.mode=subscribe` and our verify token; otherwise `Forbidden` with a stable code."""
    if not expected_token:
        raise Forbidden(
            "Set SPORTELLO_WEBHOOK_VERIFY_TOKEN to register this webhook with Meta.", code="verify_token_not_set"
        )
    if mode != "subscribe":
        raise Forbidden("hub.mode must be subscribe.", code="verify_mode_invalid")
    if verify_token is None or not hmac.compare_digest(verify_token.encode(), expected_token.encode()):
        raise Forbidden("The verify token does not match.", code="verify_token_mismatch")
    if challenge is None or not _CHALLENGE.fullmatch(challenge):
        raise Forbidden("hub.challenge is missing or not a plain token.", code="challenge_invalid")
    return challenge
