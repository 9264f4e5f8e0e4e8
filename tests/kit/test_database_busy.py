"""A write that SQLite cannot make in time (another process holds its lock past the busy
timeout) is refused with a 503 and Retry-After, not a 500, and nothing of it is stored."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import PASSWORD, make_tenant, sign_in
from sportello.accounts.models import User
from sportello.db.engine import sqlite_file
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


async def test_a_write_that_waits_past_sqlites_busy_timeout_is_a_503_to_retry(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await sign_in(app_client, tenant.owner.email)
    path = sqlite_file(settings.resolved_database_url)
    assert path is not None
    # Another process's long transaction, as a backup tool or a stuck worker would hold it.
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        body = {"email": "new@acme.example.com", "name": "New", "role": "Chat Operator", "password": PASSWORD}
        answer = await app_client.post("/web/api/users/", json=body)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "database_busy"
    assert answer.headers["Retry-After"] == "1"
    async with unit_of_work(sessionmaker) as session:
        users = await session.scalar(select(func.count()).select_from(User).where(User.account_id == tenant.account_id))
    assert users == 1, "only the owner: the refused write left nothing"
