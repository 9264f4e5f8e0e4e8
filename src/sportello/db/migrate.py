"""Applies the Alembic migrations shipped in the package, without an alembic.ini on disk."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def _run(step: Callable[[], None]) -> None:
    """Alembic's async env runs an event loop of its own: inside a running loop, give it a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        step()
        return
    errors: list[BaseException] = []

    def run() -> None:
        try:
            step()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name="sportello-migrate")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision`. Safe to call from inside a running event loop."""
    _run(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade_database(database_url: str, revision: str) -> None:
    _run(lambda: command.downgrade(alembic_config(database_url), revision))
