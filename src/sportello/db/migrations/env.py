"""Alembic environment: runs migrations on the async engine the product uses."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from sportello.db.engine import create_engine, is_sqlite
from sportello.db.models import metadata
from sportello.db.types import StrEnumType

config = context.config
database_url: str = config.attributes["database_url"]


def _render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    # Enum columns are plain strings in the database: migrations should say so.
    if kind == "type" and isinstance(item, StrEnumType):
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.String(length={item.length})"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=is_sqlite(database_url),
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


asyncio.run(_run_async())
