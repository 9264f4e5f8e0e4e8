"""The demo CRM's backend against a real Sportello: it mints tokens server to server, lists the
customers from the Contacts API, and keeps the API key and the private keys to itself."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from sportello.demo.crm import CrmConfig, create_crm_app
from support.servers import free_port, running_server

from .conftest import CrmWorld

STATIC = Path(__file__).resolve().parents[3] / "src" / "sportello" / "demo" / "crm" / "static"


@pytest.mark.parametrize("who", ["manager", "operator"])
def test_token_from_the_crm_backend_opens_a_frame_session_for_the_chosen_user(crm_world: CrmWorld, who: str) -> None:
    user = crm_world.manager if who == "manager" else crm_world.operator
    minted = httpx.post(f"{crm_world.crm_url}/token", json={"uid": user.uid})
    assert minted.status_code == 200, minted.text
    assert set(minted.json()) == {"token", "uid"} and minted.json()["uid"] == user.uid
    assert minted.headers["cache-control"] == "no-store"

    frame = httpx.post(f"{crm_world.sportello_url}/api/1/auth/exchange/", json=minted.json())
    assert frame.status_code == 200, frame.text
    assert frame.json()["user"]["email"] == user.email
    assert frame.json()["user"]["role"] == user.role


def test_the_crm_binds_the_users_toggles_to_the_token_so_the_address_cannot_widen_them(crm_world: CrmWorld) -> None:
    minted = httpx.post(f"{crm_world.crm_url}/token", json={"uid": crm_world.manager.uid, "can_reply_in_chat": False})
    assert minted.status_code == 200, minted.text
    # The frame's address says nothing of replies (the default: allowed); the token's ceiling wins.
    frame = httpx.post(f"{crm_world.sportello_url}/api/1/auth/exchange/", json=minted.json())
    assert frame.status_code == 200, frame.text
    assert frame.json()["permissions"] == {
        "can_view_chat_list": True,
        "can_reply_in_chat": False,
        "can_send_paypal_in_chat": True,
    }


def test_each_opening_gets_a_fresh_token(crm_world: CrmWorld) -> None:
    first, second = (
        httpx.post(f"{crm_world.crm_url}/token", json={"uid": crm_world.manager.uid}).json()["token"] for _ in range(2)
    )
    assert first != second


def test_a_user_the_crm_does_not_act_for_is_refused(crm_world: CrmWorld) -> None:
    answer = httpx.post(f"{crm_world.crm_url}/token", json={"uid": "424242"})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "This CRM does not act for that user.", "code": "unknown_user"}


def test_a_form_post_cannot_ask_for_a_token(crm_world: CrmWorld) -> None:
    # Only JSON is read, which another site's page cannot send here without a CORS preflight.
    answer = httpx.post(f"{crm_world.crm_url}/token", data={"uid": crm_world.manager.uid})
    assert answer.status_code == 422


def test_sportellos_refusal_reaches_the_page_with_its_code(crm_world: CrmWorld) -> None:
    wrong_key = replace(crm_world.manager, private_key="sppk_not-the-key")
    config = replace(crm_world.config, users=[wrong_key])
    with running_server(create_crm_app(config)) as crm_url:
        answer = httpx.post(f"{crm_url}/token", json={"uid": wrong_key.uid})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "The email or the private key is not right.", "code": "invalid_credentials"}


def test_an_unreachable_sportello_is_said_so(crm_world: CrmWorld) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    config = CrmConfig(app_url=nowhere, api_url=nowhere, api_key="spk_x", users=crm_world.config.users)
    with running_server(create_crm_app(config)) as crm_url:
        token = httpx.post(f"{crm_url}/token", json={"uid": crm_world.manager.uid})
        customers = httpx.get(f"{crm_url}/customers")
    assert token.status_code == customers.status_code == 502
    assert token.json()["code"] == customers.json()["code"] == "sportello_unreachable"


def test_customers_are_the_contacts_of_the_account(crm_world: CrmWorld) -> None:
    answer = httpx.get(f"{crm_world.crm_url}/customers")
    assert answer.status_code == 200 and answer.json()["count"] == 2
    expected = [
        {"name": f"{c['first_name']} {c['last_name']}", "phone": c["phone"], "chat_uuid": c["chat_uuid"]}
        for c in crm_world.contacts
    ]
    assert sorted(answer.json()["customers"], key=str) == sorted(expected, key=str)


def test_the_api_key_and_private_keys_never_reach_the_browser(crm_world: CrmWorld) -> None:
    secrets = [crm_world.config.api_key] + [user.private_key for user in crm_world.config.users]
    served = [httpx.get(f"{crm_world.crm_url}/"), httpx.get(f"{crm_world.crm_url}/customers")]
    served += [httpx.get(f"{crm_world.crm_url}/static/{path.name}") for path in sorted(STATIC.iterdir())]
    served.append(httpx.post(f"{crm_world.crm_url}/token", json={"uid": crm_world.manager.uid}))
    assert all(answer.status_code == 200 for answer in served), [a.url for a in served if a.status_code != 200]
    assert any(answer.url.path.endswith(".js") for answer in served)
    for answer in served:
        for secret in secrets:
            assert secret not in answer.text, f"a secret in {answer.url}"


def test_the_customer_page_allows_only_its_own_scripts_and_frames_only_sportello(crm_world: CrmWorld) -> None:
    answer = httpx.get(f"{crm_world.crm_url}/")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert f"frame-src {crm_world.sportello_url};" in csp
    assert '<script type="module" src="/static/crm.js"></script>' in answer.text
    assert answer.text.count("<script") == 1
