"""`/api/1/roles/…` with an API key: service users and their private keys, scoped to the key's account."""

from __future__ import annotations

import httpx

from sportello.settings import Settings
from support.seeding import seed_integration_async


async def test_add_service_user_and_generate_its_key(app_client: httpx.AsyncClient, settings: Settings) -> None:
    acme = await seed_integration_async(settings)
    headers = {"X-Spoki-Api-Key": acme.api_key}
    added = await app_client.post(
        "/api/1/roles/add_service_user/", headers=headers, json={"role": "Chat Operator", "name": "Front desk"}
    )
    assert added.status_code == 201, added.text
    user = added.json()
    assert user["user_type"] == "service" and user["role"] == "Chat Operator" and "@" in user["email"]

    before = await app_client.get(f"/api/1/roles/{user['id']}/has_private_key/", headers=headers)
    assert before.json() == {"has_private_key": False}
    key = await app_client.post(f"/api/1/roles/{user['id']}/generate_private_key/", headers=headers)
    assert key.status_code == 200 and key.json()["email"] == user["email"]
    after = await app_client.get(f"/api/1/roles/{user['id']}/has_private_key/", headers=headers)
    assert after.json() == {"has_private_key": True}

    token = await app_client.post(
        "/api/1/auth/get_authentication_token/",
        headers=headers,
        json={"email": user["email"], "private_key": key.json()["private_key"]},
    )
    assert token.status_code == 200 and token.json()["uid"] == str(user["id"])


async def test_an_api_key_cannot_mint_a_persons_private_key(app_client: httpx.AsyncClient, settings: Settings) -> None:
    acme = await seed_integration_async(settings)
    me = await app_client.post(
        "/api/1/roles/add_service_user/",
        headers={"X-Spoki-Api-Key": acme.api_key},
        json={"role": "Owner", "name": "Sneaky"},
    )
    assert me.status_code == 403 and me.json()["code"] == "role_not_assignable"
    from sportello.accounts.repository import find_user_by_email
    from sportello.db.engine import create_engine, create_sessionmaker

    engine = create_engine(settings.resolved_database_url)
    async with create_sessionmaker(engine)() as session:
        owner = await find_user_by_email(session, acme.owner_email)
    await engine.dispose()
    assert owner is not None
    answer = await app_client.post(
        f"/api/1/roles/{owner.id}/generate_private_key/", headers={"X-Spoki-Api-Key": acme.api_key}
    )
    assert answer.status_code == 403 and answer.json()["code"] == "private_key_not_allowed"


async def test_a_key_of_account_a_never_touches_users_of_account_b(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    other = await seed_integration_async(settings, name="Other")
    headers = {"X-Spoki-Api-Key": acme.api_key}
    for answer in (
        await app_client.post(f"/api/1/roles/{other.uid}/generate_private_key/", headers=headers),
        await app_client.get(f"/api/1/roles/{other.uid}/has_private_key/", headers=headers),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "user_not_found"
    cross = await app_client.post(
        "/api/1/auth/get_authentication_token/",
        headers=headers,
        json={"email": other.email, "private_key": other.private_key},
    )
    assert cross.status_code == 401
    # Other's key still works: nothing was rotated by Acme's attempts.
    fine = await app_client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": other.api_key},
        json={"email": other.email, "private_key": other.private_key},
    )
    assert fine.status_code == 200


async def test_pending_keys_are_refused_on_every_roles_endpoint(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    from sportello.accounts.actor import Actor
    from sportello.accounts.repository import find_user_by_email
    from sportello.credentials.service import api_keys
    from sportello.db.engine import create_engine, create_sessionmaker
    from sportello.db.unit_of_work import unit_of_work

    acme = await seed_integration_async(settings)
    engine = create_engine(settings.resolved_database_url)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        owner = await find_user_by_email(session, acme.owner_email)
        assert owner is not None
        raw, _ = await api_keys.request_api_key(
            session, actor=Actor.of(owner), motivation="x" * 30, allowed_origins=[], signing_key=settings.signing_key
        )
    await engine.dispose()
    headers = {"X-Spoki-Api-Key": raw}
    for answer in (
        await app_client.post(
            "/api/1/roles/add_service_user/", headers=headers, json={"role": "Chat Operator", "name": "X"}
        ),
        await app_client.post(f"/api/1/roles/{acme.uid}/generate_private_key/", headers=headers),
        await app_client.get(f"/api/1/roles/{acme.uid}/has_private_key/", headers=headers),
    ):
        assert answer.status_code == 403 and answer.json()["code"] == "api_key_not_approved"
