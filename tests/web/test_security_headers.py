"""The headers every full-app page carries, and what the embeddable pages do not carry so that
they keep working inside a host's frame."""

from __future__ import annotations

import httpx
import pytest

from sportello.settings import Settings
from support.seeding import seed_integration_async

HOST = "https://crm.example.com"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _features(policy: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in policy.split(","))


@pytest.mark.parametrize("path", ["/login", "/api/1/docs/", "/healthz"])
async def test_full_app_pages_turn_off_powerful_features_and_isolate_their_window(
    app_client: httpx.AsyncClient, path: str
) -> None:
    page = await app_client.get(path)
    assert page.status_code == 200
    features = _features(page.headers["permissions-policy"])
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature
    assert "clipboard-write" not in features  # the copy buttons keep working
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "DENY"


async def test_embeddable_pages_keep_their_framing_and_get_no_opener_or_feature_policy(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, allowed_origins=[HOST])
    minted = await app_client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": acme.api_key},
        json={"email": acme.email, "private_key": acme.private_key},
    )
    token = minted.json()
    page = await app_client.get(f"/chats?auth_token={token['token']}&auth_uid={token['uid']}")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].endswith(f"frame-ancestors {HOST}")
    assert "x-frame-options" not in page.headers
    assert "cross-origin-opener-policy" not in page.headers
    assert "permissions-policy" not in page.headers
