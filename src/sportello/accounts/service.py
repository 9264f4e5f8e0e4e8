"""The rules of accounts and users: who may add, change and remove whom; signing in."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import permissions
from sportello.accounts import repository as repo
from sportello.accounts.actor import Actor
from sportello.accounts.models import Account, LoginSession, Role, User, UserType
from sportello.accounts.passwords import hash_password, verify_password
from sportello.accounts.schemas import UserCreate
from sportello.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from sportello.kit import secrets as kit_secrets
from sportello.kit.revocations import announce_after_commit
from sportello.kit.throttle import Limit, Throttle

# Sign-in failures are limited per (email, address) and per address, never per email alone: a
# limit per email lets anyone lock its owner out with ten wrong passwords from anywhere. Failures
# on an email from many addresses instead slow every attempt on it down a little.
LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS = Limit(attempts=10, window_seconds=900)
LOGIN_LIMIT_PER_ADDRESS = Limit(attempts=50, window_seconds=900)
LOGIN_FAILURES_PER_EMAIL = Limit(attempts=10, window_seconds=900)
LOGIN_SLOWDOWN_SECONDS = 1.0
_LOGIN_THROTTLED = "Too many failed sign-in attempts. Try again later."


async def create_account(
    session: AsyncSession, *, name: str, owner_email: str, owner_password: str, owner_name: str | None = None
) -> tuple[Account, User]:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("The account name must be 1 to 200 characters.", field="name")
    if len(owner_password) < 10:
        raise InvalidInput("The owner's password must be at least 10 characters.", field="owner_password")
    account = await repo.insert_account(session, name=name)
    owner = await _insert_user(
        session,
        User(
            account_id=account.id,
            email=owner_email.strip().lower(),
            name=owner_name or owner_email.split("@")[0],
            role=Role.OWNER,
            user_type=UserType.STANDARD,
            password_hash=hash_password(owner_password),
        ),
    )
    return account, owner


async def list_accounts(session: AsyncSession) -> Sequence[tuple[Account, int]]:
    return await repo.list_accounts(session)


async def get_account(session: AsyncSession, account_id: int) -> Account:
    account = await repo.find_account(session, account_id)
    if account is None:
        raise NotFound(f"There is no account {account_id}.", code="account_not_found")
    return account


async def set_read_receipts(session: AsyncSession, *, actor: Actor, on: bool) -> Account:
    """Turn the account's read receipts (and typing indicator) on or off."""
    if not permissions.can_change_account_settings(actor.role):
        raise Forbidden(
            "Only the Owner or an Administrator can change the account's settings.", code="permission_denied"
        )
    account = await get_account(session, actor.account_id)
    account.send_read_receipts = on
    return account


async def set_new_message_notifications(session: AsyncSession, *, actor: Actor, on: bool) -> User:
    """The user's own choice: a sound and a desktop notification for each new customer message in
    the full web app. Kept on the server, so it follows them to every browser they sign in from."""
    user = await find_user_in_account(session, account_id=actor.account_id, user_id=actor.user_id)
    user.notify_new_messages = on
    await session.flush()
    return user


async def insert_user(session: AsyncSession, user: User) -> User:
    """Insert a user made by another domain's rules (service users); the email must be free."""
    return await _insert_user(session, user)


async def find_user_in_account(session: AsyncSession, *, account_id: int, user_id: int) -> User:
    user = await repo.find_user(session, account_id=account_id, user_id=user_id)
    if user is None:
        raise NotFound("There is no such user in this account.", code="user_not_found")
    return user


async def _insert_user(session: AsyncSession, user: User) -> User:
    try:
        async with session.begin_nested():
            return await repo.insert_user(session, user)
    except IntegrityError:
        raise Conflict("A user with this email already exists.", code="email_taken") from None


def _require_user_manager(actor: Actor) -> None:
    if not permissions.can_manage_users(actor.role):
        raise Forbidden("Only the Owner or an Administrator can manage users.", code="permission_denied")


async def get_user(session: AsyncSession, *, actor: Actor, user_id: int) -> User:
    return await find_user_in_account(session, account_id=actor.account_id, user_id=user_id)


async def list_users(session: AsyncSession, *, actor: Actor) -> Sequence[User]:
    return await repo.list_users(session, account_id=actor.account_id)


async def add_user(session: AsyncSession, *, actor: Actor, data: UserCreate) -> User:
    _require_user_manager(actor)
    if data.role not in permissions.ASSIGNABLE_ROLES:
        raise Forbidden("An account has one Owner; add the user with another role.", code="role_not_assignable")
    return await _insert_user(
        session,
        User(
            account_id=actor.account_id,
            email=str(data.email).lower(),
            name=data.name,
            role=data.role,
            user_type=UserType.STANDARD,
            password_hash=hash_password(data.password),
            language=data.language,
        ),
    )


async def change_role(session: AsyncSession, *, actor: Actor, user_id: int, role: Role) -> User:
    _require_user_manager(actor)
    target = await get_user(session, actor=actor, user_id=user_id)
    if target.id == actor.user_id:
        raise Conflict("You cannot change your own role.", code="cannot_change_self")
    if not permissions.can_change(actor.role, target.role):
        raise Forbidden("The Owner's role cannot be changed.", code="owner_protected")
    if role not in permissions.ASSIGNABLE_ROLES:
        raise Forbidden("An account has one Owner; choose another role.", code="role_not_assignable")
    target.role = role
    await session.flush()
    # Their open live sockets look again, and hear from then on what the new role may see.
    announce_after_commit(session, user_ids=frozenset({target.id}))
    return target


async def remove_user(session: AsyncSession, *, actor: Actor, user_id: int) -> None:
    _require_user_manager(actor)
    target = await get_user(session, actor=actor, user_id=user_id)
    if target.id == actor.user_id:
        raise Conflict("You cannot remove yourself.", code="cannot_change_self")
    if not permissions.can_change(actor.role, target.role):
        raise Forbidden("The Owner cannot be removed.", code="owner_protected")
    await repo.delete_user(session, target)
    # Their open live sockets (full app and frames) close now.
    announce_after_commit(session, user_ids=frozenset({target.id}))


async def authenticate(session: AsyncSession, *, email: str, password: str, source: str, throttle: Throttle) -> User:
    """Check a standard user's email and password. Unknown email and wrong password give the
    same answer. An address that keeps failing on an email (or on many) is made to wait (429);
    once an email has many failures, from anywhere, every attempt on it is slowed down by
    `LOGIN_SLOWDOWN_SECONDS`, but the right password from an address that has not failed still
    signs in."""
    email = email.strip().lower()
    per_pair, per_address = [f"login:pair:{email}|{source}"], [f"login:addr:{source}"]
    per_email = f"login:email:{email}"
    await throttle.ensure_not_throttled(per_pair, LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS, message=_LOGIN_THROTTLED)
    await throttle.ensure_not_throttled(per_address, LOGIN_LIMIT_PER_ADDRESS, message=_LOGIN_THROTTLED)
    if await throttle.failures(per_email, LOGIN_FAILURES_PER_EMAIL) >= LOGIN_FAILURES_PER_EMAIL.attempts:
        # Before the first query: the wait holds no database connection.
        await asyncio.sleep(LOGIN_SLOWDOWN_SECONDS)
    user = await repo.find_user_by_email(session, email)
    ok = verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active or user.user_type is not UserType.STANDARD:
        await throttle.record_failure(per_pair, LOGIN_LIMIT_PER_EMAIL_AND_ADDRESS)
        await throttle.record_failure(per_address, LOGIN_LIMIT_PER_ADDRESS)
        await throttle.record_failure([per_email], LOGIN_FAILURES_PER_EMAIL)
        raise Unauthorized("The email or the password is not right.", code="invalid_credentials")
    return user


async def start_login_session(
    session: AsyncSession, *, user: User, signing_key: bytes, hours: int
) -> tuple[str, LoginSession]:
    """Returns the cookie value (shown only to the browser) and the stored session."""
    token = kit_secrets.new_secret()
    login = LoginSession(
        id_digest=kit_secrets.digest(token, signing_key),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        expires_at=datetime.now(UTC) + timedelta(hours=hours),
    )
    await repo.insert_login_session(session, login)
    return token, login


async def find_login_session(
    session: AsyncSession, *, token: str, signing_key: bytes
) -> tuple[LoginSession, User] | None:
    return await repo.find_login_session(session, kit_secrets.digest(token, signing_key), now=datetime.now(UTC))


async def end_login_session(session: AsyncSession, *, token: str, signing_key: bytes) -> None:
    await repo.delete_login_session(session, kit_secrets.digest(token, signing_key))
