"""Every query of templates. Each names its account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.templates.models import Template


async def find(session: AsyncSession, *, account_id: int, template_id: int) -> Template | None:
    return await session.scalar(select(Template).where(Template.account_id == account_id, Template.id == template_id))


async def find_by_name(session: AsyncSession, *, account_id: int, name: str, language: str) -> Template | None:
    return await session.scalar(
        select(Template).where(Template.account_id == account_id, Template.name == name, Template.language == language)
    )


async def insert(session: AsyncSession, template: Template) -> Template:
    session.add(template)
    await session.flush()
    return template


async def list_page(
    session: AsyncSession, *, account_id: int, search: str | None, offset: int, limit: int
) -> tuple[int, Sequence[Template]]:
    query = select(Template).where(Template.account_id == account_id)
    if search:
        query = query.where(Template.name.like(f"%{search.lower()}%"))
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(query.order_by(Template.id.desc()).offset(offset).limit(limit))
    return total, rows.all()


async def list_all(session: AsyncSession, *, account_id: int) -> Sequence[Template]:
    rows = await session.scalars(select(Template).where(Template.account_id == account_id).order_by(Template.id))
    return rows.all()


async def by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Template]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {t.id: t for t in await session.scalars(select(Template).where(Template.id.in_(wanted)))}


async def by_meta_id(session: AsyncSession, *, meta_template_id: str, account_ids: Iterable[int]) -> Sequence[Template]:
    """The templates Meta knows by this id, in these accounts (a review's status names it)."""
    query = select(Template).where(
        Template.meta_template_id == meta_template_id, Template.account_id.in_(set(account_ids))
    )
    return (await session.scalars(query)).all()
