"""High-entropy secrets (API keys, private keys, tokens, session ids).

They carry 256 random bits, so a keyed SHA-256 digest is the right store: fast to check,
useless to whoever reads the database, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str, key: bytes) -> str:
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def matches(secret: str, stored_digest: str, key: bytes) -> bool:
    return hmac.compare_digest(digest(secret, key), stored_digest)
