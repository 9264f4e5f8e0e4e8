"""Dependencies every room uses: the unit of work, the settings, the failure throttle and the
client's address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import commit, end_with_error
from sportello.kit.client_address import resolve_client_address
from sportello.kit.encryption import SecretBox
from sportello.kit.throttle import Throttle
from sportello.settings import Settings


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException as error:
            await end_with_error(session, error)
            raise
        else:
            await commit(session)


# Every dependency is `async def`, even a trivial one: FastAPI runs a plain `def` in a thread of
# its pool, which costs a request more than the rest of its dependencies together.
async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _secret_box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


async def _throttle(request: Request) -> Throttle:
    throttle: Throttle = request.app.state.throttle
    return throttle


# scope="function": the unit of work commits when the route returns, before the response
# leaves, so a client never sees a success that was not committed.
DbSession = Annotated[AsyncSession, Depends(_db_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
AppSecretBox = Annotated[SecretBox, Depends(_secret_box)]
AppThrottle = Annotated[Throttle, Depends(_throttle)]


def client_address(request: Request) -> str:
    """The address every per-address limit counts: the peer, or what a trusted proxy says of it."""
    settings: Settings = request.app.state.settings
    return resolve_client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        settings.trusted_proxy_networks,
    )
