"""Creates the async engine for SQLite (default) or PostgreSQL, and the session factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from sportello.private_files import ensure_private_file

# SQLite's companions of the database file: they hold recent writes, so they are as private.
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; NORMAL is durable across application crashes
    # (only a power loss can drop the last transactions); busy_timeout queues writers instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory or URI-style database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_sqlite_file_private(url: str) -> None:
    """The database file is 0600 before SQLite first opens it (SQLite then gives its -wal and
    -shm files the same mode); companions left from before are tightened too."""
    path = sqlite_file(url)
    if path is None or not path.parent.is_dir():
        return  # SQLite itself says what is wrong with a folder that is not there
    ensure_private_file(path)
    for suffix in _SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(0o600)


def create_engine(url: str) -> AsyncEngine:
    if is_sqlite(url):
        make_sqlite_file_private(url)
        # Readers run beside the writer in WAL: a request, the group commits and the workers each
        # hold a connection, so the default pool (5 and 10 more) made requests queue for one.
        engine = create_async_engine(url, connect_args={"timeout": 10}, pool_size=20, max_overflow=20)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def create_sessionmaker(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """`info` reaches every session (the live bus, so that changes can announce themselves)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info or {})


async def ping(engine: AsyncEngine) -> None:
    """One round trip to the database; raises whatever stops it (readiness checks)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
