"""Role rules, enforced by the service on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import PASSWORD, make_tenant, make_user
from sportello.accounts import service
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role
from sportello.accounts.schemas import UserCreate
from sportello.db.unit_of_work import unit_of_work
from sportello.errors import Conflict, Forbidden, NotFound


def _new(email: str, role: Role = Role.CHAT_OPERATOR) -> UserCreate:
    return UserCreate(email=email, name="New Person", role=role, password=PASSWORD)


async def test_owner_adds_users_of_every_assignable_role(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    async with unit_of_work(sessionmaker) as session:
        for index, role in enumerate((Role.ADMINISTRATOR, Role.CHAT_MANAGER, Role.CHAT_OPERATOR)):
            user = await service.add_user(
                session, actor=tenant.owner_actor, data=_new(f"u{index}@acme.example.com", role)
            )
            assert user.role == role and user.account_id == tenant.account_id
    async with unit_of_work(sessionmaker) as session:
        users = await service.list_users(session, actor=tenant.owner_actor)
    assert [u.role for u in users] == [Role.OWNER, Role.ADMINISTRATOR, Role.CHAT_MANAGER, Role.CHAT_OPERATOR]


@pytest.mark.parametrize("role", [Role.CHAT_OPERATOR, Role.CHAT_MANAGER])
async def test_chat_roles_cannot_manage_users(sessionmaker: async_sessionmaker[AsyncSession], role: Role) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    member = Actor.of(await make_user(sessionmaker, tenant, role, "member@acme.example.com"))
    other = await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "other@acme.example.com")
    async with unit_of_work(sessionmaker) as session:
        with pytest.raises(Forbidden) as added:
            await service.add_user(session, actor=member, data=_new("x@acme.example.com"))
        with pytest.raises(Forbidden):
            await service.change_role(session, actor=member, user_id=other.id, role=Role.ADMINISTRATOR)
        with pytest.raises(Forbidden):
            await service.remove_user(session, actor=member, user_id=other.id)
    assert added.value.code == "permission_denied"


async def test_administrator_cannot_demote_or_remove_the_owner(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    admin = Actor.of(await make_user(sessionmaker, tenant, Role.ADMINISTRATOR, "admin@acme.example.com"))
    async with unit_of_work(sessionmaker) as session:
        with pytest.raises(Forbidden) as demoted:
            await service.change_role(session, actor=admin, user_id=tenant.owner.id, role=Role.CHAT_OPERATOR)
        with pytest.raises(Forbidden):
            await service.remove_user(session, actor=admin, user_id=tenant.owner.id)
    assert demoted.value.code == "owner_protected"
    async with unit_of_work(sessionmaker) as session:
        owner = await service.get_user(session, actor=tenant.owner_actor, user_id=tenant.owner.id)
    assert owner.role == Role.OWNER


async def test_administrator_manages_other_members(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    admin = Actor.of(await make_user(sessionmaker, tenant, Role.ADMINISTRATOR, "admin@acme.example.com"))
    operator = await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "op@acme.example.com")
    async with unit_of_work(sessionmaker) as session:
        changed = await service.change_role(session, actor=admin, user_id=operator.id, role=Role.CHAT_MANAGER)
        assert changed.role == Role.CHAT_MANAGER
        await service.remove_user(session, actor=admin, user_id=operator.id)
    async with unit_of_work(sessionmaker) as session:
        with pytest.raises(NotFound):
            await service.get_user(session, actor=admin, user_id=operator.id)


async def test_nobody_becomes_a_second_owner(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    operator = await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "op@acme.example.com")
    async with unit_of_work(sessionmaker) as session:
        with pytest.raises(Forbidden):
            await service.add_user(session, actor=tenant.owner_actor, data=_new("x@acme.example.com", Role.OWNER))
        with pytest.raises(Forbidden):
            await service.change_role(session, actor=tenant.owner_actor, user_id=operator.id, role=Role.OWNER)


async def test_nobody_changes_or_removes_themselves(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    admin = Actor.of(await make_user(sessionmaker, tenant, Role.ADMINISTRATOR, "admin@acme.example.com"))
    async with unit_of_work(sessionmaker) as session:
        with pytest.raises(Conflict):
            await service.change_role(session, actor=admin, user_id=admin.user_id, role=Role.CHAT_OPERATOR)
        with pytest.raises(Conflict):
            await service.remove_user(session, actor=tenant.owner_actor, user_id=tenant.owner.id)


async def test_an_email_belongs_to_one_user_only(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    acme = await make_tenant(sessionmaker, "Acme")
    other = await make_tenant(sessionmaker, "Other")
    async with unit_of_work(sessionmaker) as session:
        with pytest.raises(Conflict) as taken:
            await service.add_user(session, actor=other.owner_actor, data=_new(acme.owner.email))
    assert taken.value.code == "email_taken"


async def test_users_of_another_account_are_not_found(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    acme = await make_tenant(sessionmaker, "Acme")
    other = await make_tenant(sessionmaker, "Other")
    stranger = await make_user(sessionmaker, other, Role.CHAT_OPERATOR, "op@other.example.com")
    async with unit_of_work(sessionmaker) as session:
        with pytest.raises(NotFound):
            await service.get_user(session, actor=acme.owner_actor, user_id=stranger.id)
        with pytest.raises(NotFound):
            await service.change_role(session, actor=acme.owner_actor, user_id=stranger.id, role=Role.CHAT_MANAGER)
        with pytest.raises(NotFound):
            await service.remove_user(session, actor=acme.owner_actor, user_id=stranger.id)
        assert stranger.id not in {u.id for u in await service.list_users(session, actor=acme.owner_actor)}
