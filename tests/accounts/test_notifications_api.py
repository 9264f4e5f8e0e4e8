"""Each user's choice of a sound and a desktop notification for new messages: kept on the server,
read with the viewer, changed only by the person in the full app; on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import make_tenant, make_user, sign_in
from sportello.accounts.models import Role
from sportello.settings import Settings
from support.seeding import seed_integration_async


async def _sign_in_anew(client: httpx.AsyncClient, email: str) -> None:
    """Another browser: no cookie of the last sign-in."""
    client.cookies.clear()
    await sign_in(client, email)


async def test_a_person_turns_notifications_on_and_it_is_theirs_alone(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "op@acme.example.com")
    await sign_in(app_client, "op@acme.example.com")
    assert (await app_client.get("/web/api/viewer/")).json()["notify_new_messages"] is False

    on = await app_client.put("/web/api/me/notifications/", json={"notify_new_messages": True})
    assert on.status_code == 200 and on.json() == {"notify_new_messages": True}
    assert (await app_client.get("/web/api/viewer/")).json()["notify_new_messages"] is True
    # Signed in again (another browser): still on. The Owner's choice is their own.
    await _sign_in_anew(app_client, "op@acme.example.com")
    assert (await app_client.get("/web/api/viewer/")).json()["notify_new_messages"] is True
    await _sign_in_anew(app_client, tenant.owner.email)
    assert (await app_client.get("/web/api/viewer/")).json()["notify_new_messages"] is False

    await _sign_in_anew(app_client, "op@acme.example.com")
    off = await app_client.put("/web/api/me/notifications/", json={"notify_new_messages": False})
    assert off.json() == {"notify_new_messages": False}
    assert (await app_client.get("/web/api/viewer/")).json()["notify_new_messages"] is False


async def test_without_the_pages_csrf_header_the_choice_is_refused(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await sign_in(app_client, tenant.owner.email)
    del app_client.headers["X-CSRF-Token"]
    answer = await app_client.put("/web/api/me/notifications/", json={"notify_new_messages": True})
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"


async def test_a_frame_session_cannot_change_it_the_host_decides(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    token = await app_client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": acme.api_key},
        json={"email": acme.email, "private_key": acme.private_key},
    )
    assert token.status_code == 200, token.text
    opened = await app_client.post("/api/1/auth/exchange/", json={"token": token.json()["token"], "uid": acme.uid})
    assert opened.status_code == 200, opened.text
    bearer = {"Authorization": f"Bearer {opened.json()['session']}"}
    assert (await app_client.get("/web/api/viewer/", headers=bearer)).json()["notify_new_messages"] is False
    refused = await app_client.put("/web/api/me/notifications/", headers=bearer, json={"notify_new_messages": True})
    assert refused.status_code == 401
