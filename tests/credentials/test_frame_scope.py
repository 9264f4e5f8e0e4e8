"""A frame session may do what the page it was opened on may do, no more (issue 12, item 4): a
chat opened without its list reaches only that chat, on every `/web/api/` route that names a chat
or a message; templates change only from the templates page. Bound at exchange and stored on the
frame session, so each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.routing import Route

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async

ORDER_READY = {
    "name": "order_ready",
    "language": "it",
    "category": "UTILITY",
    "content": {"body": "Ciao, il tuo ordine è pronto per il ritiro in negozio."},
}


async def open_frame(client: httpx.AsyncClient, who: Integration, **exchange: object) -> dict[str, str]:
    """The handshake and the exchange as the embedded page makes them; the frame's bearer header."""
    token = await client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": who.api_key},
        json={"email": who.email, "private_key": who.private_key},
    )
    assert token.status_code == 200, token.text
    opened = await client.post(
        "/api/1/auth/exchange/", json={"token": token.json()["token"], "uid": token.json()["uid"], **exchange}
    )
    assert opened.status_code == 200, opened.text
    return {"Authorization": f"Bearer {opened.json()['session']}"}


async def a_chat(client: httpx.AsyncClient, who: Integration, phone: str) -> dict[str, Any]:
    contact = await client.post("/api/1/contacts/", headers={"X-Spoki-Api-Key": who.api_key}, json={"phone": phone})
    assert contact.status_code == 201, contact.text
    found: dict[str, Any] = contact.json()
    return found


def _routes(routes: list[object]) -> list[Route]:
    found: list[Route] = []
    for route in routes:
        if isinstance(route, Route):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_routes(route.original_router.routes))
    return found


async def test_a_chat_frame_without_its_list_reaches_no_other_chat_on_any_route(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    mine = await a_chat(app_client, acme, "+393331111111")
    other = await a_chat(app_client, acme, "+393332222222")
    note = await app_client.post(
        "/api/1/messages/send/",
        headers={"X-Spoki-Api-Key": acme.api_key},
        json={"chat_uuid": other["chat_uuid"], "type": "Note", "text": "not for the frame"},
    )
    assert note.status_code == 201, note.text
    page = await open_frame(app_client, acme, page="chat", chat_uuid=mine["chat_uuid"], can_view_chat_list=False)

    assert (await app_client.get(f"/web/api/chats/{mine['chat_uuid']}/", headers=page)).status_code == 200
    assert (await app_client.get(f"/web/api/chats/{mine['chat_uuid']}/messages/", headers=page)).status_code == 200
    ids = {"chat_uuid": other["chat_uuid"], "message_uuid": note.json()["uuid"]}
    walked = 0
    for route in _routes(app_client.app.routes):  # type: ignore[attr-defined]
        params = set(re.findall(r"{(\w+)}", route.path))
        if not route.path.startswith("/web/api/") or not params or not params <= set(ids):
            continue
        path = route.path.format(**ids)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            body: dict[str, object] | None = {"type": "Note", "text": "from the frame"} if method == "POST" else None
            if path.endswith("/assign/"):
                body = {"user_id": int(acme.uid)}
            answer = await app_client.request(method, path, headers=page, json=body)
            assert answer.status_code == 403, (method, route.path, answer.status_code, answer.text)
            assert answer.json()["code"] == "chat_not_allowed"
            walked += 1
    assert walked >= 9, "the walk reached every route that names a chat or a message"
    started = await app_client.post("/web/api/chats/new/", headers=page, json={"phone": "+393333333333", "template": 1})
    assert started.status_code == 403 and started.json()["code"] == "chat_not_allowed", "a new chat is another chat"
    history = await app_client.get(
        f"/api/1/chats/{other['chat_uuid']}/messages/", headers={"X-Spoki-Api-Key": acme.api_key}
    )
    assert [m["text"] for m in history.json()["results"]] == ["not for the frame"], "nothing was written"


async def test_a_chat_frame_with_its_list_still_opens_the_chats_of_the_list(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    mine = await a_chat(app_client, acme, "+393331111111")
    other = await a_chat(app_client, acme, "+393332222222")
    page = await open_frame(app_client, acme, page="chat", chat_uuid=mine["chat_uuid"])
    assert (await app_client.get(f"/web/api/chats/{other['chat_uuid']}/", headers=page)).status_code == 200
    assert (await app_client.get("/web/api/chats/", headers=page)).json()["count"] == 2


async def test_a_templates_page_frame_opens_no_chat(app_client: httpx.AsyncClient, settings: Settings) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    chat = await a_chat(app_client, acme, "+393331111111")
    page = await open_frame(app_client, acme, page="templates")
    refused = await app_client.get(f"/web/api/chats/{chat['chat_uuid']}/", headers=page)
    assert refused.status_code == 403 and refused.json()["code"] == "chat_not_allowed"
    listed = await app_client.get("/web/api/chats/", headers=page)
    assert listed.status_code == 403 and listed.json()["code"] == "chat_list_not_allowed"
    viewer = (await app_client.get("/web/api/viewer/", headers=page)).json()
    assert viewer["permissions"]["can_view_chat_list"] is False
    assert (await app_client.get("/web/api/chats/unread/", headers=page)).status_code == 200, "every page tells it"


async def test_a_frame_with_every_toggle_false_cannot_request_submit_or_delete_a_template(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    chat = await a_chat(app_client, acme, "+393331111111")
    draft = await app_client.post("/api/1/templates/", headers={"X-Spoki-Api-Key": acme.api_key}, json=ORDER_READY)
    assert draft.status_code == 201, draft.text
    template_id = draft.json()["id"]
    toggles_off = {"can_view_chat_list": False, "can_reply_in_chat": False, "can_send_paypal_in_chat": False}
    for page in (
        await open_frame(app_client, acme, page="chat", chat_uuid=chat["chat_uuid"], **toggles_off),
        await open_frame(app_client, acme, page="chats"),
        await open_frame(app_client, acme, page="chat", chat_uuid=chat["chat_uuid"]),
    ):
        for answer in (
            await app_client.post("/web/api/templates/", headers=page, json={**ORDER_READY, "name": "another_one"}),
            await app_client.post(f"/web/api/templates/{template_id}/submit/", headers=page),
            await app_client.delete(f"/web/api/templates/{template_id}/", headers=page),
        ):
            assert answer.status_code == 403, answer.text
            assert answer.json()["code"] == "template_changes_not_allowed"
        listed = await app_client.get("/web/api/templates/", headers=page)
        assert [t["id"] for t in listed.json()["results"]] == [template_id], "a chat's Templates tab still lists them"
    kept = await app_client.get(f"/api/1/templates/{template_id}/", headers={"X-Spoki-Api-Key": acme.api_key})
    assert kept.status_code == 200 and kept.json()["status"] == "draft"


async def test_the_templates_page_changes_templates_for_roles_that_may(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    manager = await seed_integration_async(settings, name="Acme", role=Role.CHAT_MANAGER)
    operator = await seed_integration_async(settings, name="Desk", role=Role.CHAT_OPERATOR)
    managing = await open_frame(app_client, manager, page="templates", can_reply_in_chat=False)
    created = await app_client.post("/web/api/templates/", headers=managing, json=ORDER_READY)
    assert created.status_code == 201, created.text
    assert (await app_client.delete(f"/web/api/templates/{created.json()['id']}/", headers=managing)).status_code == 204
    operating = await open_frame(app_client, operator, page="templates")
    refused = await app_client.post("/web/api/templates/", headers=operating, json=ORDER_READY)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden", "not a Chat Operator's call"


async def test_the_exchange_refuses_a_page_it_does_not_know(app_client: httpx.AsyncClient, settings: Settings) -> None:
    acme = await seed_integration_async(settings, name="Acme")
    token = await app_client.post(
        "/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": acme.api_key},
        json={"email": acme.email, "private_key": acme.private_key},
    )
    for bad in ({"page": "users"}, {"page": "chat", "chat_uuid": "../x"}):
        answer = await app_client.post(
            "/api/1/auth/exchange/", json={"token": token.json()["token"], "uid": token.json()["uid"], **bad}
        )
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_input", answer.text
