"""Fresh databases for tests: SQLite files copied from a migrated template, and one PostgreSQL
database per test run (created, migrated, emptied between tests, dropped at the end)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import text

from sportello.db.engine import create_engine
from sportello.db.migrate import upgrade_database
from sportello.db.models import metadata

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def make_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    upgrade_database(sqlite_url(path))
    return path


def copy_sqlite(template: Path, folder: Path) -> str:
    target = folder / "sportello.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_postgres_database(prefix: str = "sportello_test") -> tuple[str, str]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return name, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def empty_postgres_database(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)

    async def run() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()

    asyncio.run(run())
