"""The operator's sign-in: a signed cookie, and a CSRF token derived from it.

The signature covers the username and a digest of the configured password, so changing either
signs every operator out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sportello.settings import Settings

COOKIE = "sportello_operator"
LIFETIME_SECONDS = 8 * 3600


def enabled(settings: Settings) -> bool:
    return bool(settings.operator_username and settings.operator_password)


def _key(settings: Settings) -> bytes:
    password = settings.operator_password.get_secret_value() if settings.operator_password else ""
    return settings.signing_key + hashlib.sha256(f"{settings.operator_username}:{password}".encode()).digest()


def _sign(settings: Settings, payload: str) -> str:
    return hmac.new(_key(settings), f"operator:{payload}".encode(), hashlib.sha256).hexdigest()


def credentials_match(settings: Settings, username: str, password: str) -> bool:
    if not enabled(settings) or settings.operator_password is None or settings.operator_username is None:
        return False
    user_ok = hmac.compare_digest(username.encode(), settings.operator_username.encode())
    password_ok = hmac.compare_digest(password.encode(), settings.operator_password.get_secret_value().encode())
    return user_ok and password_ok


def issue(settings: Settings, *, now: float | None = None) -> str:
    payload = f"{int((now or time.time()) + LIFETIME_SECONDS)}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_sign(settings, payload)}"


def valid(settings: Settings, cookie: str | None, *, now: float | None = None) -> bool:
    if not cookie or not enabled(settings) or len(cookie) > 200:
        return False
    payload, _, signature = cookie.rpartition(".")
    expires, _, _nonce = payload.partition(".")
    if not expires.isdigit() or int(expires) < (now or time.time()):
        return False
    return hmac.compare_digest(signature, _sign(settings, payload))


def csrf_token(settings: Settings, cookie: str) -> str:
    return _sign(settings, f"csrf:{cookie}")[:32]
