"""The addresses `chats`, `chats/<uuid>` and `templates`: framed pages (a token or a frame in the
address) answer `frame-ancestors` with their API key's origins and show no branding; without
either, a frame is told its session is gone, and a person gets the full app or the sign-in."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from conftest import make_tenant, sign_in
from sportello.settings import Settings
from support.seeding import seed_integration_async

HOST = "https://crm.example.com"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def boot(page: httpx.Response) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text, re.S)
    assert found, page.text[:300]
    data: dict[str, object] = json.loads(found.group(1))
    return data


async def token_for(client: httpx.AsyncClient, integration: object) -> dict[str, str]:
    answer = await client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": integration.api_key},  # type: ignore[attr-defined]
        json={"email": integration.email, "private_key": integration.private_key},  # type: ignore[attr-defined]
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("slug", ["chats", "chats/0123456789abcdef0123456789abcdef", "templates"])
async def test_a_framed_page_may_be_framed_only_by_the_keys_origins(
    app_client: httpx.AsyncClient, settings: Settings, slug: str
) -> None:
    acme = await seed_integration_async(settings, allowed_origins=[HOST])
    token = await token_for(app_client, acme)
    page = await app_client.get(f"/{slug}?auth_token={token['token']}&auth_uid={token['uid']}&language=es")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].endswith(f"frame-ancestors {HOST}")
    assert "x-frame-options" not in page.headers
    data = boot(page)
    assert data["mode"] == "frame" and data["language"] == "es" and "csrf" not in data
    shown = re.sub(r'<script type="application/json" id="boot">.*?</script>', "", page.text, flags=re.S)
    assert 'class="topbar"' not in shown and "Sportello" not in shown
    # After the exchange the address names the frame: still the key's origins.
    opened = await app_client.post("/api/1/auth/exchange/", json={"token": token["token"], "uid": token["uid"]})
    reload = await app_client.get(f"/{slug}?frame={opened.json()['frame_id']}&language=es")
    assert reload.headers["content-security-policy"].endswith(f"frame-ancestors {HOST}")
    # The used token still names its key, so its "session expired" screen shows in the host's frame.
    used = await app_client.get(f"/{slug}?auth_token={token['token']}&auth_uid={token['uid']}")
    assert used.headers["content-security-policy"].endswith(f"frame-ancestors {HOST}")


async def test_a_key_without_origins_lets_any_host_frame_its_pages(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings)
    token = await token_for(app_client, acme)
    page = await app_client.get(f"/chats?auth_token={token['token']}&auth_uid={token['uid']}")
    assert page.headers["content-security-policy"].endswith("frame-ancestors *")


async def test_a_frame_with_nothing_in_its_address_is_told_its_session_is_gone(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    await seed_integration_async(settings, allowed_origins=[HOST])
    page = await app_client.get("/chats?language=it", headers={"Sec-Fetch-Dest": "iframe"})
    assert page.status_code == 200 and boot(page)["mode"] == "expired"
    assert page.headers["content-security-policy"].endswith(f"frame-ancestors {HOST}")
    unknown = await app_client.get("/chats?auth_token=made-up&auth_uid=1")
    assert boot(unknown)["mode"] == "frame"  # the page shows "session expired" after the exchange fails


async def test_outside_a_frame_a_person_signs_in_and_gets_the_full_app(
    app_client: httpx.AsyncClient, settings: Settings, sessionmaker: object
) -> None:
    page = await app_client.get("/chats/0123456789abcdef0123456789abcdef")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/chats/0123456789abcdef0123456789abcdef"
    tenant = await make_tenant(sessionmaker, "Acme")  # type: ignore[arg-type]
    await sign_in(app_client, tenant.owner.email)
    full = await app_client.get("/templates")
    assert full.status_code == 200 and boot(full)["mode"] == "app"
    assert 'class="topbar"' in full.text and 'href="/chats"' in full.text
    assert "frame-ancestors 'none'" in full.headers["content-security-policy"]
    viewer = await app_client.get("/web/api/viewer/")
    assert viewer.json()["in_frame"] is False and viewer.json()["permissions"]["can_reply_in_chat"] is True
    # A write with the cookie but without the page's CSRF header is refused.
    bare = await app_client.post("/web/api/chats/read_all/", headers={"X-CSRF-Token": ""})
    assert bare.status_code == 403 and bare.json()["code"] == "csrf_failed"
