"""What Sportello keeps on disk is readable by its own user only: the data folder 0700, the
SQLite file and its -wal/-shm 0600, media folders 0700 and media files 0600, whatever the umask."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import make_tenant
from sportello.cli import app
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.unit_of_work import unit_of_work
from sportello.messages import service as messages_service
from sportello.settings import Settings
from support import databases


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    # The usual default: without the rule, new files would be 0644 and folders 0755.
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_data_folder_and_its_sqlite_database_are_private(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("SPORTELLO_DATA_DIR", str(data_dir))
    monkeypatch.delenv("SPORTELLO_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    database = data_dir / "sportello.db"
    assert mode(data_dir) == 0o700 and mode(database) == 0o600

    async def write_and_look() -> dict[str, int]:
        engine = create_engine(Settings().resolved_database_url)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("CREATE TABLE probe (id INTEGER)"))
                await connection.commit()
                # While a connection is open the write-ahead log and its index are on disk.
                return {name: mode(data_dir / name) for name in ("sportello.db-wal", "sportello.db-shm")}
        finally:
            await engine.dispose()

    assert asyncio.run(write_and_look()) == {"sportello.db-wal": 0o600, "sportello.db-shm": 0o600}


def test_a_database_left_world_readable_is_made_private_when_opened(tmp_path: Path, sqlite_template: Path) -> None:
    url = databases.copy_sqlite(sqlite_template, tmp_path)
    database = Path(url.split("///", 1)[1])
    database.chmod(0o644)
    leftover_wal = database.with_name(database.name + "-wal")
    leftover_wal.write_bytes(b"")
    leftover_wal.chmod(0o644)
    create_engine(url)
    assert mode(database) == 0o600 and mode(leftover_wal) == 0o600


async def test_uploaded_media_are_private(settings: Settings, tmp_path: Path) -> None:
    engine = create_engine(settings.resolved_database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        tenant = await make_tenant(sessionmaker, "Acme")
        async with unit_of_work(sessionmaker) as session:
            media = await messages_service.store_upload(
                session,
                account_id=tenant.account_id,
                content=b"%PDF-1.4 an invoice",
                mime_type="application/pdf",
                filename="invoice.pdf",
                data_dir=settings.data_dir,
            )
    finally:
        await engine.dispose()
    assert media.storage_path is not None
    stored = settings.data_dir / media.storage_path
    assert stored.read_bytes() == b"%PDF-1.4 an invoice"
    assert mode(stored) == 0o600
    assert mode(stored.parent) == 0o700  # media/<account>/
    assert mode(settings.data_dir / "media") == 0o700
    assert mode(settings.data_dir) == 0o700


def test_a_second_engine_in_the_process_keeps_the_first_seeing_other_processes_writes(
    tmp_path: Path, sqlite_template: Path
) -> None:
    # Closing any descriptor of a file drops every POSIX lock the process holds on it. Were the
    # file opened to make it private while an engine of this process has it open, the next
    # process to close the database would take itself for the last one, checkpoint and remove
    # the WAL under the first engine, which would then read a stale database.
    url = databases.copy_sqlite(sqlite_template, tmp_path)
    path = Path(url.split("///", 1)[1])
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("PRAGMA journal_mode=WAL")
        assert reader.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
        asyncio.run(create_engine(url).dispose())
        write = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            "c.execute(\"INSERT INTO accounts (name, language, created_at) VALUES ('Acme', 'en', '2026-12-01')\");"
            "c.close()"
        )
        for written in range(1, 4):
            subprocess.run([sys.executable, "-c", write, str(path)], check=True, capture_output=True)
            assert reader.execute("SELECT count(*) FROM accounts").fetchone() == (written,)
            asyncio.run(create_engine(url).dispose())
    finally:
        reader.close()
