"""Signing in and out of the full web app."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import make_tenant, make_user
from sportello.accounts.models import Role, UserType

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _form_post(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get("/login")
    match = _CSRF.search(page.text)
    assert match
    return await client.post("/login", data={"csrf": match.group(1), **fields})


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    wrong = await _form_post(app_client, email=tenant.owner.email, password="not-the-password")
    unknown = await _form_post(app_client, email="nobody@acme.example.com", password="not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or the password is not right." in wrong.text
    assert "The email or the password is not right." in unknown.text
    assert "sportello_session" not in wrong.cookies


async def test_login_errors_are_in_the_chosen_language(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await make_tenant(sessionmaker, "Acme")
    app_client.headers["Accept-Language"] = "it-IT,it;q=0.9"
    answer = await _form_post(app_client, email="nobody@acme.example.com", password="x")
    assert "L&#39;email o la password non sono corrette." in answer.text
    assert '<html lang="it">' in answer.text


async def test_repeated_failures_are_throttled_with_retry_after(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    statuses = [
        (await _form_post(app_client, email=tenant.owner.email, password=f"wrong-{i}")).status_code for i in range(10)
    ]
    assert statuses == [401] * 10
    blocked = await _form_post(app_client, email=tenant.owner.email, password="correct-horse-battery")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


async def test_service_users_cannot_sign_in_with_the_form(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "svc@acme.example.com", user_type=UserType.SERVICE)
    answer = await _form_post(app_client, email="svc@acme.example.com", password="")
    assert answer.status_code == 401


async def test_the_login_form_needs_its_csrf_token(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    await app_client.get("/login")
    answer = await app_client.post(
        "/login", data={"email": tenant.owner.email, "password": "correct-horse-battery", "csrf": "forged"}
    )
    assert answer.status_code == 400
    assert "sportello_session" not in answer.cookies


async def test_session_cookie_is_httponly_and_lax_and_sign_out_ends_it(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    page = await app_client.get("/login")
    csrf = _CSRF.search(page.text)
    assert csrf
    answer = await app_client.post(
        "/login",
        data={
            "email": tenant.owner.email,
            "password": "correct-horse-battery",
            "csrf": csrf.group(1),
            "next": "/users",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/users", answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert (await app_client.get("/web/api/me/")).json()["email"] == tenant.owner.email

    page_token = _CSRF.search((await app_client.get("/users")).text)
    assert page_token
    token = page_token.group(1)
    stolen = dict(app_client.cookies)
    out = await app_client.post("/logout", data={"csrf": token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # The old cookie no longer opens anything: the session is gone from the database.
    replay = await app_client.get("/web/api/me/", headers={"Cookie": "; ".join(f"{k}={v}" for k, v in stolen.items())})
    assert replay.status_code == 401


async def test_next_never_leads_to_another_site(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant(sessionmaker, "Acme")
    answer = await _form_post(
        app_client, email=tenant.owner.email, password="correct-horse-battery", next="//evil.example.com/x"
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


async def test_pages_send_unsigned_visitors_to_the_login(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/users")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/users"
    login = await app_client.get("/login")
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
