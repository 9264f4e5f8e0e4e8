"""The Users & Roles API over HTTP, as the web app calls it, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import PASSWORD, make_tenant, make_user, sign_in
from sportello.accounts.models import Role


async def test_owner_adds_changes_and_removes_a_user(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await sign_in(app_client, tenant.owner.email)

    added = await app_client.post(
        "/web/api/users/",
        json={
            "email": "Mario@Acme.example.com",
            "name": "Mario",
            "role": "Chat Operator",
            "password": PASSWORD,
        },
    )
    assert added.status_code == 201, added.text
    user = added.json()
    assert user["email"] == "mario@acme.example.com" and user["role"] == "Chat Operator"
    assert user["user_type"] == "standard" and user["has_private_key"] is False
    assert "password" not in user and "password_hash" not in user

    changed = await app_client.patch(f"/web/api/users/{user['id']}/", json={"role": "Chat Manager"})
    assert changed.status_code == 200 and changed.json()["role"] == "Chat Manager"

    listed = await app_client.get("/web/api/users/")
    assert [u["email"] for u in listed.json()] == [tenant.owner.email, "mario@acme.example.com"]

    removed = await app_client.delete(f"/web/api/users/{user['id']}/")
    assert removed.status_code == 204
    gone = await app_client.get(f"/web/api/users/{user['id']}/")
    assert gone.status_code == 404 and gone.json()["code"] == "user_not_found"


async def test_operator_is_refused_user_management(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "op@acme.example.com")
    await sign_in(app_client, "op@acme.example.com")
    answer = await app_client.post(
        "/web/api/users/",
        json={"email": "x@acme.example.com", "name": "X", "role": "Chat Operator", "password": PASSWORD},
    )
    assert answer.status_code == 403
    assert answer.json() == {
        "detail": "Only the Owner or an Administrator can manage users.",
        "code": "permission_denied",
    }
    demote = await app_client.patch(f"/web/api/users/{tenant.owner.id}/", json={"role": "Chat Operator"})
    assert demote.status_code == 403


async def test_administrator_cannot_demote_the_owner_over_http(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await make_user(sessionmaker, tenant, Role.ADMINISTRATOR, "admin@acme.example.com")
    await sign_in(app_client, "admin@acme.example.com")
    demote = await app_client.patch(f"/web/api/users/{tenant.owner.id}/", json={"role": "Administrator"})
    assert demote.status_code == 403 and demote.json()["code"] == "owner_protected"
    remove = await app_client.delete(f"/web/api/users/{tenant.owner.id}/")
    assert remove.status_code == 403 and remove.json()["code"] == "owner_protected"


async def test_every_user_resource_of_another_account_is_404(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    acme = await make_tenant(sessionmaker, "Acme")
    other = await make_tenant(sessionmaker, "Other")
    stranger = await make_user(sessionmaker, other, Role.CHAT_OPERATOR, "op@other.example.com")
    await sign_in(app_client, acme.owner.email)
    for target in (stranger.id, other.owner.id):
        path = f"/web/api/users/{target}/"
        for answer in (
            await app_client.get(path),
            await app_client.patch(path, json={"role": "Chat Manager"}),
            await app_client.delete(path),
        ):
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["code"] == "user_not_found"
    listed = await app_client.get("/web/api/users/")
    assert {u["email"] for u in listed.json()} == {acme.owner.email}


async def test_unsigned_calls_get_401_json(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/web/api/users/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


async def test_writes_without_the_csrf_header_are_refused(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await sign_in(app_client, tenant.owner.email)
    del app_client.headers["X-CSRF-Token"]
    answer = await app_client.post(
        "/web/api/users/",
        json={"email": "x@acme.example.com", "name": "X", "role": "Chat Operator", "password": PASSWORD},
    )
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"
    app_client.headers["X-CSRF-Token"] = "forged"
    forged = await app_client.delete(f"/web/api/users/{tenant.owner.id}/")
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
