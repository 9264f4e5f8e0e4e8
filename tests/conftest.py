"""Shared fixtures: a fresh database (SQLite and PostgreSQL), the app, an HTTP client, signed-in users."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User, UserType
from sportello.accounts.passwords import hash_password
from sportello.app import create_app
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings
from support import databases

REPO = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("SPORTELLO_SHARED_DIR", REPO.parent / "shared"))
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name, url = databases.create_postgres_database()
    try:
        databases.upgrade_database(url)
        yield url
    finally:
        databases.drop_postgres_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database: each test runs against SQLite and against PostgreSQL."""
    if request.param == "sqlite":
        yield databases.copy_sqlite(sqlite_template, tmp_path)
        return
    url: str = request.getfixturevalue("postgres_url")
    databases.empty_postgres_database(url)
    yield url


@pytest.fixture
def sqlite_database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """For tests whose subject is not storage: SQLite only."""
    return databases.copy_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, log_format="text")


@pytest.fixture
async def sessionmaker(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.resolved_database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client
    await app.state.engine.dispose()


@dataclass
class Tenant:
    account_id: int
    owner: User
    owner_actor: Actor


async def make_tenant(sessionmaker: async_sessionmaker[AsyncSession], name: str) -> Tenant:
    async with unit_of_work(sessionmaker) as session:
        account, owner = await accounts_service.create_account(
            session, name=name, owner_email=f"owner@{name.lower()}.example.com", owner_password=PASSWORD
        )
    return Tenant(account_id=account.id, owner=owner, owner_actor=Actor.of(owner))


async def make_user(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    role: Role,
    email: str,
    user_type: UserType = UserType.STANDARD,
) -> User:
    async with unit_of_work(sessionmaker) as session:
        user = User(
            account_id=tenant.account_id,
            email=email,
            name=email.split("@")[0],
            role=role,
            user_type=user_type,
            password_hash=hash_password(PASSWORD) if user_type is UserType.STANDARD else None,
        )
        session.add(user)
        await session.flush()
    return user


_CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the login form as a browser does; returns the page's CSRF token for API calls."""
    page = await client.get("/login")
    match = _CSRF_INPUT.search(page.text)
    assert match, "the login page has a CSRF field"
    answer = await client.post("/login", data={"email": email, "password": password, "csrf": match.group(1)})
    assert answer.status_code == 303, answer.text
    users_page = await client.get("/users")
    csrf = _CSRF_INPUT.search(users_page.text)
    assert csrf, "a signed-in page carries the session's CSRF token"
    client.headers["X-CSRF-Token"] = csrf.group(1)
    return csrf.group(1)
