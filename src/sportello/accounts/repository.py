"""Every query of the accounts domain. Each user query names its account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.models import Account, LoginSession, User


async def insert_account(session: AsyncSession, *, name: str, language: str = "en") -> Account:
    account = Account(name=name, language=language)
    session.add(account)
    await session.flush()
    return account


async def find_account(session: AsyncSession, account_id: int) -> Account | None:
    return await session.get(Account, account_id)


async def list_accounts(session: AsyncSession) -> Sequence[tuple[Account, int]]:
    users = func.count(User.id)
    rows = await session.execute(
        select(Account, users).outerjoin(User, User.account_id == Account.id).group_by(Account.id).order_by(Account.id)
    )
    return [(account, count) for account, count in rows.all()]


async def insert_user(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def find_user(session: AsyncSession, *, account_id: int, user_id: int) -> User | None:
    return await session.scalar(select(User).where(User.account_id == account_id, User.id == user_id))


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    """Across accounts: emails are unique installation-wide (the login form has no account)."""
    return await session.scalar(select(User).where(User.email == email.lower()))


async def list_users(session: AsyncSession, *, account_id: int) -> Sequence[User]:
    rows = await session.scalars(select(User).where(User.account_id == account_id).order_by(User.id))
    return rows.all()


async def delete_user(session: AsyncSession, user: User) -> None:
    await session.delete(user)
    await session.flush()


async def insert_login_session(session: AsyncSession, login: LoginSession) -> None:
    session.add(login)
    await session.flush()


async def find_login_session(
    session: AsyncSession, id_digest: str, *, now: datetime
) -> tuple[LoginSession, User] | None:
    row = await session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.id_digest == id_digest, LoginSession.expires_at > now, User.is_active.is_(True))
    )
    found = row.first()
    return (found[0], found[1]) if found else None


async def delete_login_session(session: AsyncSession, id_digest: str) -> None:
    await session.execute(delete(LoginSession).where(LoginSession.id_digest == id_digest))


async def delete_login_sessions_of(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


async def users_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, User]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {user.id: user for user in await session.scalars(select(User).where(User.id.in_(wanted)))}


async def names_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows.all()}
