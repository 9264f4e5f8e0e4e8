"""Service users and private keys. A new private key ends every token and frame session of the old one."""

from __future__ import annotations

import re
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User, UserType
from sportello.accounts.permissions import ASSIGNABLE_ROLES, can_manage_users
from sportello.credentials import repository as repo
from sportello.credentials.caller import ApiCaller
from sportello.errors import Forbidden, InvalidInput
from sportello.kit import secrets as kit_secrets
from sportello.kit.revocations import announce_after_commit

PRIVATE_KEY_PREFIX = "sppk_"
Caller = Actor | ApiCaller


def _require_manager(caller: Caller) -> None:
    # An API key acts for its whole account; a person must be the Owner or an Administrator.
    if isinstance(caller, Actor) and not can_manage_users(caller.role):
        raise Forbidden("Only the Owner or an Administrator can manage service users.", code="permission_denied")


def _service_email(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "service"
    return f"{slug}.{secrets.token_hex(4)}@service.sportello"


async def add_service_user(session: AsyncSession, *, caller: Caller, name: str, role: Role) -> User:
    _require_manager(caller)
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("The name must be 1 to 200 characters.", field="name")
    if role not in ASSIGNABLE_ROLES:
        raise Forbidden("A service user cannot be the Owner; choose another role.", code="role_not_assignable")
    return await accounts_service.insert_user(
        session,
        User(
            account_id=caller.account_id,
            email=_service_email(name),
            name=name,
            role=role,
            user_type=UserType.SERVICE,
            password_hash=None,
        ),
    )


async def _target(session: AsyncSession, caller: Caller, user_id: int) -> User:
    return await accounts_service.find_user_in_account(session, account_id=caller.account_id, user_id=user_id)


def _may_hold_key_of(caller: Caller, target: User) -> bool:
    if isinstance(caller, ApiCaller):
        # Through the API only service users' keys: a person's key is theirs to make.
        return target.user_type is UserType.SERVICE
    if target.id == caller.user_id:
        return True
    return can_manage_users(caller.role) and target.user_type is UserType.SERVICE


async def rotate_private_key(
    session: AsyncSession, *, caller: Caller, user_id: int, signing_key: bytes
) -> tuple[str, User]:
    """Generate a new private key for a user; returns it once. The old key, and every token and
    frame session minted with it, stop working at once."""
    target = await _target(session, caller, user_id)
    if not _may_hold_key_of(caller, target):
        raise Forbidden(
            "You can generate private keys for service users and for yourself only.",
            code="private_key_not_allowed",
        )
    raw = kit_secrets.new_secret(PRIVATE_KEY_PREFIX)
    target.private_key_digest = kit_secrets.digest(raw, signing_key)
    target.private_key_generation += 1
    await repo.delete_tokens_and_sessions_of(session, target.id)
    await session.flush()
    # Open live sockets of those sessions close now, not at their next periodic check.
    announce_after_commit(session, user_ids=frozenset({target.id}))
    return raw, target


async def has_private_key(session: AsyncSession, *, caller: Caller, user_id: int) -> bool:
    target = await _target(session, caller, user_id)
    if isinstance(caller, Actor) and not (can_manage_users(caller.role) or target.id == caller.user_id):
        raise Forbidden("Only the Owner or an Administrator can see this.", code="permission_denied")
    return target.private_key_digest is not None
