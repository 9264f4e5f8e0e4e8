"""The host's backend may bind a ceiling when it mints a token (issue 12, item 6): the iframe's
address can only narrow it, and a token minted for a chat opens only that chat. Stored with the
token, so each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx

from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async

EVERY_TOGGLE_ON = {"can_view_chat_list": True, "can_reply_in_chat": True, "can_send_paypal_in_chat": True}


async def mint(client: httpx.AsyncClient, who: Integration, **ceiling: object) -> httpx.Response:
    return await client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": who.api_key},
        json={"email": who.email, "private_key": who.private_key, **ceiling},
    )


async def exchange(client: httpx.AsyncClient, token: dict[str, Any], **fields: object) -> httpx.Response:
    return await client.post("/api/1/auth/exchange/", json={"token": token["token"], "uid": token["uid"], **fields})


async def a_chat(client: httpx.AsyncClient, who: Integration, phone: str) -> str:
    contact = await client.post("/api/1/contacts/", headers={"X-Spoki-Api-Key": who.api_key}, json={"phone": phone})
    assert contact.status_code == 201, contact.text
    return str(contact.json()["chat_uuid"])


async def test_an_address_with_every_toggle_on_cannot_widen_the_minted_ceiling(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    chat = await a_chat(app_client, acme, "+393331111111")
    minted = await mint(app_client, acme, can_reply_in_chat=False, can_send_paypal_in_chat=False)
    assert minted.status_code == 200, minted.text
    assert set(minted.json()) == {"token", "uid"}, "the handshake's answer keeps the guide's shape"

    opened = await exchange(app_client, minted.json(), page="chat", chat_uuid=chat, **EVERY_TOGGLE_ON)
    assert opened.status_code == 200, opened.text
    assert opened.json()["permissions"] == {
        "can_view_chat_list": True,
        "can_reply_in_chat": False,
        "can_send_paypal_in_chat": False,
    }
    page = {"Authorization": f"Bearer {opened.json()['session']}"}
    sent = await app_client.post(f"/web/api/chats/{chat}/messages/", headers=page, json={"type": "Note", "text": "x"})
    assert sent.status_code == 403 and sent.json()["code"] == "reply_not_allowed"
    viewer = (await app_client.get("/web/api/viewer/", headers=page)).json()
    assert viewer["permissions"]["can_reply_in_chat"] is False


async def test_the_address_still_narrows_a_token_minted_without_a_ceiling(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    minted = await mint(app_client, acme, can_reply_in_chat=True)
    opened = await exchange(app_client, minted.json(), can_reply_in_chat=False)
    assert opened.status_code == 200, opened.text
    assert opened.json()["permissions"]["can_reply_in_chat"] is False


async def test_a_token_minted_for_a_chat_opens_only_that_chats_page_and_reaches_no_other(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    bound = await a_chat(app_client, acme, "+393331111111")
    other = await a_chat(app_client, acme, "+393332222222")
    for elsewhere in ({"page": "chats"}, {"page": "templates"}, {"page": "chat", "chat_uuid": other}):
        spent = await mint(app_client, acme, chat_uuid=bound)
        refused = await exchange(app_client, spent.json(), **elsewhere)
        assert refused.status_code == 403 and refused.json()["code"] == "token_bound_to_chat", elsewhere
        # One rule: a presented token is used up, whatever the answer.
        again = await exchange(app_client, spent.json(), page="chat", chat_uuid=bound)
        assert again.status_code == 401 and again.json()["code"] == "session_expired"

    minted = await mint(app_client, acme, chat_uuid=bound)
    assert minted.status_code == 200, minted.text
    opened = await exchange(app_client, minted.json(), page="chat", chat_uuid=bound, **EVERY_TOGGLE_ON)
    assert opened.status_code == 200, opened.text
    assert opened.json()["permissions"]["can_view_chat_list"] is False, "bound to its chat, the list stays shut"
    page = {"Authorization": f"Bearer {opened.json()['session']}"}
    assert (await app_client.get(f"/web/api/chats/{bound}/", headers=page)).status_code == 200
    refused = await app_client.get(f"/web/api/chats/{other}/messages/", headers=page)
    assert refused.status_code == 403 and refused.json()["code"] == "chat_not_allowed"
    assert (await app_client.get("/web/api/chats/", headers=page)).status_code == 403
    again = await exchange(app_client, minted.json(), page="chat", chat_uuid=bound)
    assert again.status_code == 401 and again.json()["code"] == "session_expired", "still single-use"


async def test_a_token_cannot_be_minted_for_a_chat_the_user_may_not_see(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    other_account = await seed_integration_async(settings, name="Other")
    theirs = await a_chat(app_client, other_account, "+393331111111")
    for chat_uuid, code in ((theirs, "chat_not_found"), ("0" * 32, "chat_not_found"), ("../x", "invalid_input")):
        answer = await mint(app_client, acme, chat_uuid=chat_uuid)
        assert answer.status_code == 400 and answer.json()["code"] == code, answer.text


async def test_the_published_handshake_documents_the_ceiling(app_client: httpx.AsyncClient) -> None:
    schema = (await app_client.get("/api/1/schema/")).json()
    body = schema["components"]["schemas"]["TokenRequest"]
    assert {"can_view_chat_list", "can_reply_in_chat", "can_send_paypal_in_chat", "chat_uuid"} <= set(
        body["properties"]
    )
    assert set(body["required"]) == {"email", "private_key"}
    assert any("chat_uuid" in example for example in body["examples"])
