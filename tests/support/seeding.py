"""Seeds an integrator's setup through the services: an account, an approved API key, a service
user with a private key. For sync tests (browser tests), which cannot await fixtures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User
from sportello.credentials.service import api_keys, private_keys
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings


@dataclass
class Integration:
    account_id: int
    owner_email: str
    api_key: str
    api_key_id: int
    uid: str
    email: str
    private_key: str


async def _key_and_service_user(
    session: AsyncSession, settings: Settings, owner: User, *, name: str, role: Role, allowed_origins: list[str]
) -> Integration:
    raw_key, key = await api_keys.request_api_key(
        session,
        actor=Actor.of(owner),
        motivation="Embedding the chat in our CRM's contact page.",
        allowed_origins=allowed_origins,
        signing_key=settings.signing_key,
    )
    await api_keys.approve_api_key(session, key_id=key.id)
    user = await private_keys.add_service_user(session, caller=Actor.of(owner), name=name, role=role)
    private_key, user = await private_keys.rotate_private_key(
        session, caller=Actor.of(owner), user_id=user.id, signing_key=settings.signing_key
    )
    return Integration(owner.account_id, owner.email, raw_key, key.id, str(user.id), user.email, private_key)


async def seed_integration_async(
    settings: Settings,
    *,
    name: str = "Acme",
    allowed_origins: list[str] | None = None,
    role: Role = Role.CHAT_MANAGER,
) -> Integration:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            _, owner = await accounts_service.create_account(
                session,
                name=name,
                owner_email=f"owner@{name.lower()}.example.com",
                owner_password="correct-horse-battery",
            )
            return await _key_and_service_user(
                session, settings, owner, name=f"{name} CRM", role=role, allowed_origins=allowed_origins or []
            )
    finally:
        await engine.dispose()


def seed_integration(settings: Settings, **options: object) -> Integration:
    return asyncio.run(seed_integration_async(settings, **options))  # type: ignore[arg-type]


def add_service_user_with_key(
    settings: Settings, account_id: int, *, role: Role, name: str, allowed_origins: list[str] | None = None
) -> Integration:
    """An approved API key and a service user with a private key in an existing account."""

    async def go() -> Integration:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                owner = await session.scalar(select(User).where(User.account_id == account_id, User.role == Role.OWNER))
                assert owner is not None
                return await _key_and_service_user(
                    session, settings, owner, name=name, role=role, allowed_origins=allowed_origins or []
                )
        finally:
            await engine.dispose()

    return asyncio.run(go())


async def their_contact_and_template(client: httpx.AsyncClient, api_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A contact (with its chat) and a draft template of the account behind `api_key`, made over
    the API: what the isolation walks try to reach from another account."""
    headers = {"X-Spoki-Api-Key": api_key}
    contact: dict[str, Any] = (
        await client.post("/api/1/contacts/", headers=headers, json={"phone": "+393339999999"})
    ).json()
    template: dict[str, Any] = (
        await client.post(
            "/api/1/templates/",
            headers=headers,
            json={
                "name": "their_template",
                "language": "it",
                "category": "UTILITY",
                "content": {"body": "Ciao, il tuo ordine è pronto per il ritiro."},
            },
        )
    ).json()
    return contact, template
