"""Search through the indexes (SQLite FTS5, PostgreSQL trigram and text-search indexes), on both
databases: contacts by digits, name and email, chats by a message's words with the match shown,
a search inside one chat and the page around what it found; never another account's rows; the
index follows inserts, renames and deletes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sportello.settings import Settings
from support.seeding import Integration, seed_integration_async


@pytest.fixture
async def acme(settings: Settings) -> Integration:
    return await seed_integration_async(settings, name="Acme")


@pytest.fixture
async def rival(settings: Settings) -> Integration:
    return await seed_integration_async(settings, name="Rival")


def _key(who: Integration) -> dict[str, str]:
    return {"X-Spoki-Api-Key": who.api_key}


async def _contact(client: httpx.AsyncClient, who: Integration, **fields: str) -> dict[str, Any]:
    created = await client.post("/api/1/contacts/", headers=_key(who), json=fields)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


async def _note(client: httpx.AsyncClient, who: Integration, chat_uuid: str, text: str) -> dict[str, Any]:
    sent = await client.post(
        "/api/1/messages/send/", headers=_key(who), json={"chat_uuid": chat_uuid, "type": "Note", "text": text}
    )
    assert sent.status_code in (200, 201), sent.text
    return sent.json()  # type: ignore[no-any-return]


async def _found(client: httpx.AsyncClient, who: Integration, search: str) -> list[str]:
    answer = await client.get("/api/1/contacts/", headers=_key(who), params={"search": search})
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["count"] == len(page["results"])
    return sorted(contact["phone"] for contact in page["results"])


async def _frame(client: httpx.AsyncClient, who: Integration) -> dict[str, str]:
    """The bearer header of a frame session opened on the chat list, as the embedded page opens it."""
    token = await client.post(
        "/api/1/auth/get_authentication_token/",
        headers=_key(who),
        json={"email": who.email, "private_key": who.private_key},
    )
    assert token.status_code == 200, token.text
    opened = await client.post(
        "/api/1/auth/exchange/", json={"token": token.json()["token"], "uid": token.json()["uid"], "page": "chats"}
    )
    assert opened.status_code == 200, opened.text
    return {"Authorization": f"Bearer {opened.json()['session']}"}


async def test_contacts_are_found_by_digits_name_and_email_of_their_own_account_only(
    app_client: httpx.AsyncClient, acme: Integration, rival: Integration
) -> None:
    await _contact(app_client, acme, phone="+39 333 123 4567", first_name="Giulia", last_name="Rossi")
    await _contact(app_client, acme, phone="+39 347 111 2222", first_name="Marco", email="marco@negozio.example")
    await _contact(app_client, rival, phone="+39 333 123 4599", first_name="Giulia", last_name="Rossi")

    assert await _found(app_client, acme, "333 1234") == ["+393331234567"]
    assert await _found(app_client, acme, "+39 347-111") == ["+393471112222"]
    assert await _found(app_client, acme, "giulia ROSSI") == ["+393331234567"]
    assert await _found(app_client, acme, "iuli") == ["+393331234567"]
    assert await _found(app_client, acme, "negozio.exa") == ["+393471112222"]
    assert await _found(app_client, acme, "39") == ["+393331234567", "+393471112222"]  # short: still bounded
    assert await _found(app_client, acme, "Bianchi") == []
    assert await _found(app_client, rival, "rossi") == ["+393331234599"]
    assert await _found(app_client, rival, "347 111") == []


async def test_the_index_follows_a_rename_and_a_delete(app_client: httpx.AsyncClient, acme: Integration) -> None:
    giulia = await _contact(app_client, acme, phone="+393331234567", first_name="Giulia", last_name="Rossi")
    renamed = await app_client.patch(
        f"/api/1/contacts/{giulia['id']}/", headers=_key(acme), json={"last_name": "Verdi", "phone": "+393470000001"}
    )
    assert renamed.status_code == 200, renamed.text
    assert await _found(app_client, acme, "Rossi") == []
    assert await _found(app_client, acme, "333 1234") == []
    assert await _found(app_client, acme, "giulia verdi") == ["+393470000001"]
    assert await _found(app_client, acme, "3470000") == ["+393470000001"]

    deleted = await app_client.delete(f"/api/1/contacts/{giulia['id']}/", headers=_key(acme))
    assert deleted.status_code == 204, deleted.text
    assert await _found(app_client, acme, "verdi") == []
    assert await _found(app_client, acme, "3470000") == []
    again = await _contact(app_client, acme, phone="+393470000001", first_name="Giulia", last_name="Verdi")
    assert await _found(app_client, acme, "verdi") == [again["phone"]]


async def test_the_chat_list_finds_a_chat_by_a_message_and_shows_the_match(
    app_client: httpx.AsyncClient, acme: Integration, rival: Integration
) -> None:
    marco = await _contact(app_client, acme, phone="+393471112222", first_name="Marco")
    giulia = await _contact(app_client, acme, phone="+393331234567", first_name="Giulia")
    theirs = await _contact(app_client, rival, phone="+393339990000", first_name="Marco")
    await _note(app_client, acme, marco["chat_uuid"], "La giacca blu arriva giovedì")
    await _note(app_client, acme, marco["chat_uuid"], "Grazie, a presto")
    await _note(app_client, acme, giulia["chat_uuid"], "Scarpe rosse taglia 38")
    await _note(app_client, rival, theirs["chat_uuid"], "La giacca blu è esaurita")
    headers = await _frame(app_client, acme)

    answer = await app_client.get("/web/api/chats/", headers=headers, params={"search": "GIACC blu"})
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["count"] == 1 and page["has_filters"] is True
    [found] = page["results"]
    assert found["uuid"] == marco["chat_uuid"]
    assert found["matched_message"]["text"] == "La giacca blu arriva giovedì"
    assert found["last_message"]["text"] == "Grazie, a presto"

    by_name = (await app_client.get("/web/api/chats/", headers=headers, params={"search": "giulia"})).json()
    assert [c["uuid"] for c in by_name["results"]] == [giulia["chat_uuid"]]
    assert by_name["results"][0]["matched_message"] is None
    unfiltered = (await app_client.get("/web/api/chats/", headers=headers)).json()
    assert unfiltered["count"] == 2 and all(c["matched_message"] is None for c in unfiltered["results"])
    nothing = (await app_client.get("/web/api/chats/", headers=headers, params={"search": "esaurita"})).json()
    assert nothing["count"] == 0


async def test_search_in_a_chat_opens_the_page_around_an_old_message(
    app_client: httpx.AsyncClient, acme: Integration, rival: Integration
) -> None:
    marco = await _contact(app_client, acme, phone="+393471112222", first_name="Marco")
    other = await _contact(app_client, acme, phone="+393331234567", first_name="Giulia")
    await _note(app_client, acme, other["chat_uuid"], "ordine 48213 anche qui")
    sent = []
    for index in range(70):
        text = "Il suo ordine 48213 è partito" if index == 5 else f"messaggio {index}"
        sent.append(await _note(app_client, acme, marco["chat_uuid"], text))
    headers = await _frame(app_client, acme)
    chat = f"/web/api/chats/{marco['chat_uuid']}/messages/"

    found = await app_client.get(f"{chat}search/", headers=headers, params={"q": "48213"})
    assert found.status_code == 200, found.text
    assert [m["uuid"] for m in found.json()] == [sent[5]["uuid"]]
    rival_headers = await _frame(app_client, rival)
    assert (await app_client.get(f"{chat}search/", headers=rival_headers, params={"q": "48213"})).status_code == 404

    around = (await app_client.get(chat, headers=headers, params={"around": sent[5]["uuid"], "page_size": 30})).json()
    uuids = [m["uuid"] for m in around["results"]]
    # A third of the page before it (10 asked, 5 there are), the rest after it (19).
    assert uuids == [m["uuid"] for m in reversed(sent[:25])]
    assert around["next"] is None and around["previous"] is not None and around["count"] == 70

    newer = (await app_client.get(around["previous"], headers=headers)).json()
    assert [m["uuid"] for m in newer["results"]] == [m["uuid"] for m in reversed(sent[25:55])]
    newest = (await app_client.get(newer["previous"], headers=headers)).json()
    assert [m["uuid"] for m in newest["results"]] == [m["uuid"] for m in reversed(sent[55:])]
    assert newest["previous"] is None and newest["next"] is not None
    older = (await app_client.get(newest["next"], headers=headers)).json()
    assert older["results"][0]["uuid"] == sent[54]["uuid"]

    elsewhere = await app_client.get(chat, headers=headers, params={"around": "0" * 32})
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "message_not_found"
