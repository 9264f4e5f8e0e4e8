"""Migrations run up from empty, and down and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from sportello.db.engine import create_engine
from sportello.db.migrate import downgrade_database, upgrade_database
from sportello.db.models import metadata
from support import databases


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield databases.sqlite_url(tmp_path / "empty.db")
        return
    name, url = databases.create_postgres_database("sportello_migrations")
    try:
        yield url
    finally:
        databases.drop_postgres_database(name)


async def test_migrations_create_every_table_from_empty(empty_database: str) -> None:
    upgrade_database(empty_database)
    tables = await _tables(empty_database)
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_migrations_go_down_to_nothing_and_up_again(empty_database: str) -> None:
    upgrade_database(empty_database)
    downgrade_database(empty_database, "base")
    assert await _tables(empty_database) <= {"alembic_version"}
    upgrade_database(empty_database)
    assert set(metadata.tables) <= await _tables(empty_database)


async def test_upgrade_twice_is_harmless(empty_database: str) -> None:
    upgrade_database(empty_database)
    upgrade_database(empty_database)
    assert set(metadata.tables) <= await _tables(empty_database)
