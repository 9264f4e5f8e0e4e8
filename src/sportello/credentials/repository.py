"""Every query of API keys, handshake tokens and frame sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.models import User
from sportello.credentials.models import ApiKey, ApiKeyStatus, AuthToken, FrameSession


async def insert_api_key(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.flush()
    return key


async def find_api_key_by_digest(session: AsyncSession, digest: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.digest == digest))


async def find_api_key(session: AsyncSession, key_id: int, *, account_id: int | None) -> ApiKey | None:
    """By id; `account_id=None` only for the operator, who sees every account."""
    query = select(ApiKey).where(ApiKey.id == key_id)
    if account_id is not None:
        query = query.where(ApiKey.account_id == account_id)
    return await session.scalar(query)


async def list_api_keys(
    session: AsyncSession, *, account_id: int | None, status: ApiKeyStatus | None = None
) -> Sequence[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.id.desc())
    if account_id is not None:
        query = query.where(ApiKey.account_id == account_id)
    if status is not None:
        query = query.where(ApiKey.status == status)
    return (await session.scalars(query)).all()


async def list_approved_origins(session: AsyncSession) -> Sequence[list[str]]:
    rows = await session.scalars(select(ApiKey.allowed_origins).where(ApiKey.status == ApiKeyStatus.APPROVED))
    return rows.all()


async def insert_token(session: AsyncSession, values: dict[str, object]) -> None:
    """One INSERT through Core: a token is written once and never read back in this request."""
    await session.execute(insert(AuthToken).values(**values))


async def find_live_token(
    session: AsyncSession, digest: str, *, now: datetime
) -> tuple[AuthToken, User, ApiKey] | None:
    """A token that is neither used nor expired, with its user and API key: one indexed read,
    which takes no write lock (an unknown, used or expired token never waits for one)."""
    row = (
        await session.execute(
            select(AuthToken, User, ApiKey)
            .join(User, User.id == AuthToken.user_id)
            .join(ApiKey, ApiKey.id == AuthToken.api_key_id)
            .where(AuthToken.digest == digest, AuthToken.used_at.is_(None), AuthToken.expires_at > now)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


async def use_token(session: AsyncSession, digest: str, *, now: datetime) -> bool:
    """Mark a live token used. A conditional UPDATE: of two loads racing with the same token,
    only one wins."""
    used = await session.execute(
        update(AuthToken)
        .where(AuthToken.digest == digest, AuthToken.used_at.is_(None), AuthToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(used.rowcount == 1)  # type: ignore[attr-defined]


async def use_token_and_open(session: AsyncSession, digest: str, *, now: datetime, frame: FrameSession | None) -> bool:
    """Use the token up and, when it was still live and `frame` is given, open that frame session
    (Core: the session is answered from `frame`, never read back). `False`: the token was used or
    expired meanwhile."""
    if not await use_token(session, digest, now=now):
        return False
    if frame is not None:
        columns = FrameSession.__table__.columns.keys()
        await session.execute(insert(FrameSession).values({name: getattr(frame, name) for name in columns}))
    return True


async def find_token(session: AsyncSession, digest: str) -> AuthToken | None:
    return await session.get(AuthToken, digest)


async def find_frame_by_public_id(session: AsyncSession, public_id: str) -> FrameSession | None:
    return await session.scalar(select(FrameSession).where(FrameSession.public_id == public_id))


async def find_frame_session(
    session: AsyncSession, digest: str, *, now: datetime
) -> tuple[FrameSession, User, ApiKey] | None:
    row = await session.execute(
        select(FrameSession, User, ApiKey)
        .join(User, User.id == FrameSession.user_id)
        .join(ApiKey, ApiKey.id == FrameSession.api_key_id)
        .where(
            FrameSession.digest == digest,
            FrameSession.expires_at > now,
            User.is_active.is_(True),
            # A new private key ends every session opened with the old one.
            FrameSession.key_generation == User.private_key_generation,
            ApiKey.status == ApiKeyStatus.APPROVED,
        )
    )
    found = row.first()
    return (found[0], found[1], found[2]) if found else None


async def delete_tokens_and_sessions_of(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))
    await session.execute(delete(FrameSession).where(FrameSession.user_id == user_id))


async def delete_expired(session: AsyncSession, *, now: datetime, batch: int) -> int:
    """Forget up to `batch` expired tokens and up to `batch` expired frame sessions; returns how
    many went. In batches, so a long backlog never holds SQLite's write lock for long."""
    tokens = await session.execute(
        delete(AuthToken)
        .where(AuthToken.digest.in_(select(AuthToken.digest).where(AuthToken.expires_at < now).limit(batch)))
        .execution_options(synchronize_session=False)
    )
    frames = await session.execute(
        delete(FrameSession)
        .where(FrameSession.digest.in_(select(FrameSession.digest).where(FrameSession.expires_at < now).limit(batch)))
        .execution_options(synchronize_session=False)
    )
    return int(tokens.rowcount) + int(frames.rowcount)  # type: ignore[attr-defined]
