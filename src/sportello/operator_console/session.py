"""The operator's sign-in: a random cookie whose session is stored on the server (so signing out
ends it), and the CSRF token kept with it.

The stored digest is keyed with the username and a digest of the configured password, so
changing either signs every operator out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.kit import secrets as kit_secrets
from sportello.operator_console import repository as repo
from sportello.operator_console.models import OperatorSession
from sportello.settings import Settings

COOKIE = "sportello_operator"
LIFETIME_SECONDS = 8 * 3600


def enabled(settings: Settings) -> bool:
    return bool(settings.operator_username and settings.operator_password)


def _key(settings: Settings) -> bytes:
    password = settings.operator_password.get_secret_value() if settings.operator_password else ""
    return settings.signing_key + hashlib.sha256(f"{settings.operator_username}:{password}".encode()).digest()


def credentials_match(settings: Settings, username: str, password: str) -> bool:
    if not enabled(settings) or settings.operator_password is None or settings.operator_username is None:
        return False
    user_ok = hmac.compare_digest(username.encode(), settings.operator_username.encode())
    password_ok = hmac.compare_digest(password.encode(), settings.operator_password.get_secret_value().encode())
    return user_ok and password_ok


async def start_session(session: AsyncSession, settings: Settings) -> str:
    """A new sign-in; returns the cookie value, shown only to the browser."""
    cookie = kit_secrets.new_secret()
    now = datetime.now(UTC)
    # Expired sign-ins are forgotten by `operator_console.pruner`, not here.
    await repo.insert_session(
        session,
        OperatorSession(
            digest=kit_secrets.digest(cookie, _key(settings)),
            csrf_token=secrets.token_urlsafe(24),
            expires_at=now + timedelta(seconds=LIFETIME_SECONDS),
        ),
    )
    return cookie


async def find_session(session: AsyncSession, settings: Settings, cookie: str | None) -> OperatorSession | None:
    """The live sign-in behind `cookie`, or `None` (never issued, signed out, expired, or the
    credentials have changed since)."""
    if not cookie or not enabled(settings) or len(cookie) > 200:
        return None
    return await repo.find_session(session, kit_secrets.digest(cookie, _key(settings)), now=datetime.now(UTC))


async def end_session(session: AsyncSession, settings: Settings, cookie: str | None) -> None:
    if cookie and len(cookie) <= 200:
        await repo.delete_session(session, kit_secrets.digest(cookie, _key(settings)))
