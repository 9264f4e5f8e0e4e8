"""API keys: requested by an account with a motivation, decided by the operator, revoked by the Owner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role
from sportello.credentials import repository as repo
from sportello.credentials.models import ApiKey, ApiKeyStatus
from sportello.credentials.origins import parse_allowed_origins
from sportello.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from sportello.kit import secrets as kit_secrets
from sportello.kit.i18n import translate
from sportello.kit.revocations import announce_after_commit
from sportello.kit.throttle import Limit, Throttle
from sportello.mail import service as mail_service

API_KEY_PREFIX = "spk_"
MOTIVATION_MIN, MOTIVATION_MAX = 20, 2000
UNKNOWN_KEY_LIMIT = Limit(attempts=30, window_seconds=900)


def _require_manager(actor: Actor) -> None:
    if actor.role not in (Role.OWNER, Role.ADMINISTRATOR):
        raise Forbidden("Only the Owner or an Administrator can manage API keys.", code="permission_denied")


async def request_api_key(
    session: AsyncSession, *, actor: Actor, motivation: str, allowed_origins: list[str], signing_key: bytes
) -> tuple[str, ApiKey]:
    """Create a pending key. The key itself is returned once, here, and stored only as a digest."""
    _require_manager(actor)
    motivation = motivation.strip()
    if not MOTIVATION_MIN <= len(motivation) <= MOTIVATION_MAX:
        raise InvalidInput(
            f"Write a motivation of {MOTIVATION_MIN} to {MOTIVATION_MAX} characters: what you will build with the API.",
            code="motivation_length",
            field="motivation",
        )
    requester = await accounts_service.get_user(session, actor=actor, user_id=actor.user_id)
    raw = kit_secrets.new_secret(API_KEY_PREFIX)
    key = ApiKey(
        account_id=actor.account_id,
        requested_by_id=actor.user_id,
        requester_email=requester.email,
        digest=kit_secrets.digest(raw, signing_key),
        prefix=raw[:10],
        motivation=motivation,
        status=ApiKeyStatus.PENDING,
        allowed_origins=parse_allowed_origins(allowed_origins),
    )
    return raw, await repo.insert_api_key(session, key)


async def list_api_keys(session: AsyncSession, *, actor: Actor) -> Sequence[ApiKey]:
    _require_manager(actor)
    return await repo.list_api_keys(session, account_id=actor.account_id)


async def _get(session: AsyncSession, key_id: int, *, account_id: int | None) -> ApiKey:
    key = await repo.find_api_key(session, key_id, account_id=account_id)
    if key is None:
        raise NotFound("There is no such API key.", code="api_key_not_found")
    return key


async def update_allowed_origins(session: AsyncSession, *, actor: Actor, key_id: int, origins: list[str]) -> ApiKey:
    _require_manager(actor)
    key = await _get(session, key_id, account_id=actor.account_id)
    if key.status is ApiKeyStatus.REVOKED:
        raise Conflict("This API key is revoked.", code="api_key_revoked")
    key.allowed_origins = parse_allowed_origins(origins)
    await session.flush()
    return key


async def revoke_api_key(session: AsyncSession, *, actor: Actor, key_id: int) -> ApiKey:
    if actor.role is not Role.OWNER:
        raise Forbidden("Only the Owner can revoke an API key.", code="owner_only")
    key = await _get(session, key_id, account_id=actor.account_id)
    if key.status is ApiKeyStatus.REVOKED:
        raise Conflict("This API key is already revoked.", code="api_key_revoked")
    # Frame sessions check the key's status on every call, so they end with it.
    key.status = ApiKeyStatus.REVOKED
    key.revoked_at = datetime.now(UTC)
    await session.flush()
    # And their open live sockets close now.
    announce_after_commit(session, api_key_ids=frozenset({key.id}))
    return key


async def list_for_operator(session: AsyncSession, *, status: ApiKeyStatus | None = None) -> Sequence[ApiKey]:
    return await repo.list_api_keys(session, account_id=None, status=status)


async def _email_outcome(session: AsyncSession, key: ApiKey, outcome: str) -> None:
    requester = await accounts_repo.find_user_by_email(session, key.requester_email)
    language = requester.language if requester else "en"
    params = {"prefix": key.prefix, "reason": key.decision_reason or ""}
    await mail_service.enqueue_email(
        session,
        to=key.requester_email,
        subject=translate(language, f"email.api_key_{outcome}.subject", **params),
        body=translate(language, f"email.api_key_{outcome}.body", **params),
    )


async def approve_api_key(session: AsyncSession, *, key_id: int) -> ApiKey:
    key = await _get(session, key_id, account_id=None)
    if key.status is not ApiKeyStatus.PENDING:
        raise Conflict(f"This API key is {key.status.value}, not pending.", code="api_key_not_pending")
    key.status = ApiKeyStatus.APPROVED
    key.decided_at = datetime.now(UTC)
    await session.flush()
    await _email_outcome(session, key, "approved")
    return key


async def reject_api_key(session: AsyncSession, *, key_id: int, reason: str) -> ApiKey:
    reason = reason.strip()
    if not 1 <= len(reason) <= 2000:
        raise InvalidInput("Give the requester a reason (up to 2000 characters).", field="reason")
    key = await _get(session, key_id, account_id=None)
    if key.status is not ApiKeyStatus.PENDING:
        raise Conflict(f"This API key is {key.status.value}, not pending.", code="api_key_not_pending")
    key.status = ApiKeyStatus.REJECTED
    key.decided_at = datetime.now(UTC)
    key.decision_reason = reason
    await session.flush()
    await _email_outcome(session, key, "rejected")
    return key


async def authenticate_api_key(
    session: AsyncSession, *, raw_key: str | None, signing_key: bytes, source: str, throttle: Throttle
) -> ApiKey:
    """The key behind an `X-Spoki-Api-Key` header, if it may be used now."""
    address = [f"apikey:addr:{source}"]
    await throttle.ensure_not_throttled(address, UNKNOWN_KEY_LIMIT, message="Too many attempts with unknown API keys.")
    if not raw_key:
        raise Unauthorized("Send your API key in the X-Spoki-Api-Key header.", code="api_key_missing")
    key = (
        None
        if len(raw_key) > 200
        else await repo.find_api_key_by_digest(session, kit_secrets.digest(raw_key, signing_key))
    )
    if key is None:
        await throttle.record_failure(address, UNKNOWN_KEY_LIMIT)
        raise Unauthorized("This API key is not valid.", code="invalid_api_key")
    if key.status is ApiKeyStatus.REVOKED:
        raise Forbidden("This API key has been revoked.", code="api_key_revoked")
    if key.status is not ApiKeyStatus.APPROVED:
        raise Forbidden(
            "This API key is not approved: you cannot use the API until it is.", code="api_key_not_approved"
        )
    return key


async def approved_origins(session: AsyncSession) -> tuple[bool, set[str]]:
    """For CORS preflights, which carry no key: (some approved key allows any origin, the listed origins)."""
    any_origin = False
    listed: set[str] = set()
    for origins in await repo.list_approved_origins(session):
        if not origins:
            any_origin = True
        listed.update(origins)
    return any_origin, listed
