"""A database that refuses some rows, as a full disk or a broken constraint would: a trigger of
the database itself (SQLite and PostgreSQL), so the failure reaches Sportello the way a real one
does, through the driver, with nothing of ours replaced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work


@asynccontextmanager
async def refused_inserts(
    sessionmaker: async_sessionmaker[AsyncSession], *, table: str, when: str, message: str
) -> AsyncIterator[None]:
    """While the block runs, the database refuses inserts into `table` whose row makes `when`
    (SQL over `NEW`) true, with `message`."""
    async with unit_of_work(sessionmaker) as session:
        postgres = session.bind.dialect.name == "postgresql"
        if postgres:
            await session.execute(
                text(
                    "CREATE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF {when} THEN RAISE EXCEPTION '{message}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await session.execute(
                text(f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_refuse()")
            )
        else:
            await session.execute(
                text(
                    f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} WHEN {when} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
            )
    try:
        yield
    finally:
        async with unit_of_work(sessionmaker) as session:
            if postgres:
                await session.execute(text(f"DROP TRIGGER test_refuse ON {table}"))
                await session.execute(text("DROP FUNCTION test_refuse()"))
            else:
                await session.execute(text("DROP TRIGGER test_refuse"))
