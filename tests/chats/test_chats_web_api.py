"""The web app's chat API, as the embedded pages call it: a frame session's bearer header, the
toggles enforced by the server, a Chat Operator bounded to their chats, and the full app's cookie."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.seeding import Integration, add_service_user_with_key
from support.sessions import open_frame, sign_in_person
from support.world import World, running_world, wait_for

GIULIA, MARCO = "+393331234567", "+393471112222"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings, read_without_delivered_probability=0.0) as world:
        yield world


@pytest.fixture
def manager(world: World) -> Integration:
    return add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")


_open: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_frames() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def frame(world: World, who: Integration, **toggles: object) -> httpx.Client:
    client = open_frame(world.sportello_url, who, language="it", **toggles)
    _open.append(client)
    return client


def customer_writes(world: World, phone: str, text: str, name: str = "Customer") -> None:
    said = httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": phone, "name": name, "text": text})
    assert said.status_code == 200, said.text


def chats(client: httpx.Client, **query: str) -> dict:  # type: ignore[type-arg]
    answer = client.get("/web/api/chats/", params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_the_chat_list_filters_reads_and_assigns(world: World, manager: Integration) -> None:
    customer_writes(world, GIULIA, "Ciao, avete la giacca blu?", name="Giulia")
    customer_writes(world, MARCO, "Buongiorno", name="Marco")
    page = frame(world, manager)
    listed = wait_for(lambda: (found := chats(page)) and found["count"] == 2 and found)
    assert listed["unread_chats"] == 2 and listed["has_filters"] is False and listed["page"] == 1
    assert {c["contact"]["phone"] for c in listed["results"]} == {GIULIA, MARCO}
    counted = page.get("/web/api/chats/unread/").json()
    assert counted == {"has_unread_chats": True, "unread_chats": 2, "last_event_id": counted["last_event_id"]}
    assert counted["last_event_id"] > 0

    by_digits = chats(page, search="347 111")
    assert [c["contact"]["phone"] for c in by_digits["results"]] == [MARCO] and by_digits["has_filters"] is True
    giulia = next(c for c in listed["results"] if c["contact"]["phone"] == GIULIA)

    assert page.post(f"/web/api/chats/{giulia['uuid']}/read/").json()["unread_chats"] == 1
    assert [c["uuid"] for c in chats(page, unread="true")["results"]] != [giulia["uuid"]]
    assert page.post(f"/web/api/chats/{giulia['uuid']}/unread/").json()["unread_chats"] == 2

    me = page.get("/web/api/viewer/").json()
    assert me["in_frame"] is True and me["language"] == "it" and me["user"]["role"] == "Chat Manager"
    assigned = page.post(f"/web/api/chats/{giulia['uuid']}/assign/", json={"user_id": me["user"]["id"]})
    assert assigned.status_code == 200 and [o["id"] for o in assigned.json()["operators"]] == [me["user"]["id"]]
    assert [c["uuid"] for c in chats(page, mine="true")["results"]] == [giulia["uuid"]]
    operators = page.get("/web/api/chats/filters/").json()["operators"]
    assert me["user"]["id"] in [o["id"] for o in operators]

    read = page.post("/web/api/chats/read_all/").json()
    assert read == {"has_unread_chats": False, "unread_chats": 0, "last_event_id": read["last_event_id"]}
    assert chats(page)["unread_chats"] == 0


def test_a_reply_from_the_page_reaches_the_customer_and_a_note_does_not(world: World, manager: Integration) -> None:
    customer_writes(world, GIULIA, "Mi mandate il catalogo?")
    page = frame(world, manager)
    chat = wait_for(lambda: chats(page)["results"])[0]
    assert chat["window_closes_datetime"] is not None
    sent = page.post(f"/web/api/chats/{chat['uuid']}/messages/", json={"type": "Message", "text": "Eccolo!"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["send_status"] == "Pending"
    note = page.post(f"/web/api/chats/{chat['uuid']}/messages/", json={"type": "Note", "text": "Cliente VIP"})
    assert note.status_code == 201 and note.json()["type"] == "Note"
    wait_for(lambda: [e["body"]["text"]["body"] for e in httpx.get(f"{world.emulator_url}/_emulator/sent").json()])
    assert [e["body"]["text"]["body"] for e in httpx.get(f"{world.emulator_url}/_emulator/sent").json()] == ["Eccolo!"]
    history = page.get(f"/web/api/chats/{chat['uuid']}/messages/").json()["results"]
    assert [m["text"] for m in history][:2] == ["Cliente VIP", "Eccolo!"]
    assert [m["sender"]["name"] if m["sender"] else None for m in history] == ["Desk", "Desk", None]
    assert note.json()["sender"]["name"] == "Desk"
    assert "Cliente VIP" not in str(httpx.get(f"{world.emulator_url}/_emulator/sent").json())


def test_each_toggle_is_refused_by_the_server(world: World, manager: Integration) -> None:
    customer_writes(world, GIULIA, "Salve")
    full = frame(world, manager)
    chat = wait_for(lambda: chats(full)["results"])[0]

    no_list = frame(world, manager, can_view_chat_list=False, page="chat", chat_uuid=chat["uuid"])
    refused = no_list.get("/web/api/chats/")
    assert refused.status_code == 403 and refused.json()["code"] == "chat_list_not_allowed"
    assert no_list.post("/web/api/chats/read_all/").status_code == 403
    assert no_list.get(f"/web/api/chats/{chat['uuid']}/").status_code == 200  # the chat detail still opens

    read_only = frame(world, manager, can_reply_in_chat=False)
    for body in ({"type": "Message", "text": "x"}, {"type": "Note", "text": "x"}):
        answer = read_only.post(f"/web/api/chats/{chat['uuid']}/messages/", json=body)
        assert answer.status_code == 403 and answer.json()["code"] == "reply_not_allowed"
    assert read_only.post("/web/api/chats/new/", json={"phone": MARCO, "template": 1}).status_code == 403
    assert read_only.get("/web/api/viewer/").json()["permissions"]["can_reply_in_chat"] is False


def test_a_chat_operator_sees_and_hears_only_their_chats(world: World, manager: Integration) -> None:
    operator = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Op")
    customer_writes(world, GIULIA, "Ciao")
    customer_writes(world, MARCO, "Salve")
    desk = frame(world, manager)
    listed = wait_for(lambda: (found := chats(desk)["results"]) and len(found) == 2 and found)
    giulia = next(c for c in listed if c["contact"]["phone"] == GIULIA)
    marco = next(c for c in listed if c["contact"]["phone"] == MARCO)
    op = frame(world, operator)
    assert chats(op)["count"] == 0
    assert op.get(f"/web/api/chats/{giulia['uuid']}/").status_code == 404
    assert op.get(f"/web/api/chats/{giulia['uuid']}/messages/").status_code == 404
    assert op.get("/web/api/chats/unread/").json()["unread_chats"] == 0

    op_id = op.get("/web/api/viewer/").json()["user"]["id"]
    assert desk.post(f"/web/api/chats/{giulia['uuid']}/assign/", json={"user_id": op_id}).status_code == 200
    assert [c["uuid"] for c in chats(op)["results"]] == [giulia["uuid"]]
    # An operator cannot take a colleague's chat or hand theirs to someone else.
    desk_id = desk.get("/web/api/viewer/").json()["user"]["id"]
    assert op.post(f"/web/api/chats/{giulia['uuid']}/assign/", json={"user_id": desk_id}).status_code == 403
    assert op.post(f"/web/api/chats/{marco['uuid']}/assign/", json={"user_id": op_id}).status_code == 404
    op.post("/web/api/chats/read_all/")
    assert desk.get("/web/api/chats/unread/").json()["unread_chats"] == 1  # only the operator's chat was read


def test_another_accounts_frame_sees_nothing(world: World, manager: Integration, settings: Settings) -> None:
    customer_writes(world, GIULIA, "Ciao")
    desk = frame(world, manager)
    chat = wait_for(lambda: chats(desk)["results"])[0]
    from support.seeding import seed_integration

    stranger = frame(world, seed_integration(world.settings, name="Other"))
    assert chats(stranger)["count"] == 0
    for path in (f"/web/api/chats/{chat['uuid']}/", f"/web/api/chats/{chat['uuid']}/messages/"):
        assert stranger.get(path).status_code == 404
    for path in ("read", "unread"):
        assert stranger.post(f"/web/api/chats/{chat['uuid']}/{path}/").status_code == 404
    answer = stranger.post(f"/web/api/chats/{chat['uuid']}/messages/", json={"type": "Note", "text": "x"})
    assert answer.status_code == 404


def test_without_a_session_every_call_is_refused(world: World) -> None:
    for method, path in (("GET", "/web/api/chats/"), ("GET", "/web/api/viewer/"), ("POST", "/web/api/chats/read_all/")):
        answer = httpx.request(method, f"{world.sportello_url}{path}")
        assert answer.status_code == 401, path
        stale = httpx.request(method, f"{world.sportello_url}{path}", headers={"Authorization": "Bearer nope"})
        assert stale.status_code == 401 and stale.json()["code"] == "session_expired"


def approved_template(world: World) -> int:
    owner = sign_in_person(world.sportello_url, "owner@shop.example.com")
    _open.append(owner)
    draft = owner.post(
        "/web/api/templates/",
        json={
            "name": "welcome",
            "language": "it",
            "category": "UTILITY",
            "content": {
                "body": "Ciao %%NAME%%, grazie per averci contattato: come possiamo aiutarti oggi?",
                "examples": {"NAME": "Giulia"},
            },
        },
    )
    assert draft.status_code == 201, draft.text
    template_id: int = draft.json()["id"]
    assert owner.post(f"/web/api/templates/{template_id}/submit/").status_code == 200
    wait_for(lambda: owner.get("/web/api/templates/").json()["results"][0]["status"] == "approved")
    return template_id


def test_a_new_chat_opens_with_a_template_and_a_failed_send_can_be_retried(world: World, manager: Integration) -> None:
    template = approved_template(world)
    operator = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Op")
    op = frame(world, operator)
    # A number WhatsApp does not know: Meta accepts the send, then reports it failed.
    opened = op.post(
        "/web/api/chats/new/",
        json={"phone": "+39 333 120 0000", "template": template, "custom_fields": {"NAME": "Luca"}},
    )
    assert opened.status_code == 201, opened.text
    chat = opened.json()["chat_uuid"]
    # The operator who started it is assigned, so it is in their list.
    assert [c["uuid"] for c in chats(op)["results"]] == [chat]

    def failed() -> dict:  # type: ignore[type-arg]
        first = op.get(f"/web/api/chats/{chat}/messages/").json()["results"][0]
        return first if first["send_status"] == "Error" else {}

    message = wait_for(failed)
    assert message["type"] == "Template" and message["error_code"] == 131026 and message["send_error_message"]
    retried = op.post(f"/web/api/chats/{chat}/messages/{message['uuid']}/retry/")
    assert retried.status_code == 200 and retried.json()["send_status"] == "Pending"
    assert retried.json()["send_error_message"] == ""
    again = op.post(f"/web/api/chats/{chat}/messages/{message['uuid']}/retry/")
    assert again.status_code == 409 and again.json()["code"] == "message_not_failed"
    wait_for(failed)
    assert len([e for e in httpx.get(f"{world.emulator_url}/_emulator/sent").json() if e["to"] == "393331200000"]) == 2

    bad = op.post("/web/api/chats/new/", json={"phone": "12", "template": template, "custom_fields": {"NAME": "x"}})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_phone"
    missing = op.post("/web/api/chats/new/", json={"phone": MARCO, "template": template})
    assert missing.status_code == 400 and missing.json()["code"] == "missing_custom_fields"


def test_history_pages_go_back_in_time(world: World, manager: Integration) -> None:
    page = frame(world, manager)
    for index in range(7):
        customer_writes(world, GIULIA, f"messaggio {index}")
    chat = wait_for(lambda: (found := chats(page)["results"]) and found[0]["unread_count"] == 7 and found[0])
    first = page.get(f"/web/api/chats/{chat['uuid']}/messages/", params={"page_size": 4}).json()
    assert len(first["results"]) == 4 and first["count"] == 7
    before = first["next"].split("before=")[1]
    older = page.get(f"/web/api/chats/{chat['uuid']}/messages/", params={"page_size": 4, "before": before}).json()
    assert len(older["results"]) == 3 and older["next"] is None
    # The webhooks may be filed in any order; together the two pages are the whole history, once.
    texts = [m["text"] for m in first["results"] + older["results"]]
    assert sorted(texts) == [f"messaggio {i}" for i in range(7)]


def test_a_reply_and_a_reaction_carry_the_message_they_answer(world: World, manager: Integration) -> None:
    customer_writes(world, GIULIA, "Avete la giacca blu?")
    page = frame(world, manager)
    chat = wait_for(lambda: chats(page)["results"])[0]["uuid"]
    ours = page.post(f"/web/api/chats/{chat}/messages/", json={"type": "Message", "text": "Sì, in tutte le taglie"})
    wamid = wait_for(lambda: [e["wamid"] for e in httpx.get(f"{world.emulator_url}/_emulator/sent").json()])[0]
    said = {"from": GIULIA, "text": "Perfetto, la prendo", "context": wamid}
    assert httpx.post(f"{world.emulator_url}/_emulator/say", json=said).status_code == 200
    reaction = {"from": GIULIA, "type": "reaction", "message_id": wamid, "emoji": "👍"}
    assert httpx.post(f"{world.emulator_url}/_emulator/say", json=reaction).status_code == 200

    def answered() -> list[dict]:  # type: ignore[type-arg]
        found = [m for m in page.get(f"/web/api/chats/{chat}/messages/").json()["results"] if m["quoted"]]
        return found if len(found) == 2 else []

    for message in wait_for(answered):
        assert message["quoted"] == {
            "uuid": ours.json()["uuid"],
            "direction": "Outbound",
            "content_type": "Text",
            "text": "Sì, in tutte le taglie",
        }


def test_the_page_sends_quick_reply_buttons_and_a_list_within_metas_limits(world: World, manager: Integration) -> None:
    customer_writes(world, GIULIA, "Che taglie avete?")
    page = frame(world, manager)
    chat = wait_for(lambda: chats(page)["results"])[0]["uuid"]
    path = f"/web/api/chats/{chat}/messages/"
    buttons = [{"id": "s", "title": "S"}, {"id": "m", "title": "M"}, {"id": "l", "title": "L"}]
    sent = page.post(path, json={"content_type": "Interactive", "text": "Quale taglia?", "buttons": buttons})
    assert sent.status_code == 201, sent.text
    rows = [{"id": f"r{i}", "title": f"Taglia {i}"} for i in range(10)]
    listed = {"button": "Le taglie", "sections": [{"title": "Giacche", "rows": rows}]}
    sent = page.post(path, json={"content_type": "List", "text": "Scelga", "list_message": listed})
    assert sent.status_code == 201, sent.text

    # Meta's limits, refused before anything is sent.
    four = [*buttons, {"id": "xl", "title": "XL"}]
    assert page.post(path, json={"content_type": "Interactive", "text": "Quale?", "buttons": four}).status_code == 400
    long_title = [{"id": "x", "title": "x" * 21}]
    assert page.post(path, json={"content_type": "Interactive", "text": "Q", "buttons": long_title}).status_code == 400
    long_body = {"content_type": "Interactive", "text": "x" * 1025, "buttons": buttons}
    refused = page.post(path, json=long_body)
    assert refused.status_code == 400 and refused.json()["code"] == "text_too_long"
    eleven = {**listed, "sections": [{"rows": rows}, {"rows": [{"id": "r10", "title": "Altro"}]}]}
    refused = page.post(path, json={"content_type": "List", "text": "Scelga", "list_message": eleven})
    assert refused.status_code == 400 and refused.json()["code"] == "too_many_rows"

    def interactive() -> list[dict]:  # type: ignore[type-arg]
        found = [e["body"]["interactive"] for e in httpx.get(f"{world.emulator_url}/_emulator/sent").json()]
        return found if len(found) == 2 else []

    sent_buttons, sent_list = wait_for(interactive)
    assert sent_buttons["type"] == "button" and sent_buttons["body"] == {"text": "Quale taglia?"}
    assert [b["reply"]["title"] for b in sent_buttons["action"]["buttons"]] == ["S", "M", "L"]
    assert sent_list["type"] == "list" and sent_list["action"]["button"] == "Le taglie"
    assert len(sent_list["action"]["sections"][0]["rows"]) == 10


def test_the_agents_reaction_stands_on_the_customers_message_and_an_empty_one_removes_it(
    world: World, manager: Integration
) -> None:
    customer_writes(world, GIULIA, "Arrivata, grazie!")
    page = frame(world, manager)
    chat = wait_for(lambda: chats(page)["results"])[0]["uuid"]
    path = f"/web/api/chats/{chat}/messages/"
    theirs = page.get(path).json()["results"][0]
    sent = page.post(path, json={"content_type": "Reaction", "reaction": {"message": theirs["uuid"], "emoji": "❤️"}})
    assert sent.status_code == 201, sent.text

    def on_it(emojis: list[str]) -> list[dict]:  # type: ignore[type-arg]
        found = [m for m in page.get(path).json()["results"] if m["uuid"] == theirs["uuid"]]
        return found if [r["emoji"] for r in found[0]["reactions"]] == emojis else []

    reactions = wait_for(lambda: on_it(["❤️"]))[0]["reactions"]
    assert reactions[0]["direction"] == "Outbound"
    removed = page.post(path, json={"content_type": "Reaction", "reaction": {"message": theirs["uuid"], "emoji": ""}})
    assert removed.status_code == 201, removed.text
    wait_for(lambda: on_it([]))

    def reactions_sent() -> list[dict]:  # type: ignore[type-arg]
        found = [e["body"]["reaction"] for e in httpx.get(f"{world.emulator_url}/_emulator/sent").json()]
        return found if len(found) == 2 else []

    wamid = httpx.get(f"{world.emulator_url}/_emulator/conversations/{GIULIA}").json()["messages"][0]["wamid"]
    assert wait_for(reactions_sent) == [{"message_id": wamid, "emoji": "❤️"}, {"message_id": wamid, "emoji": ""}]

    # Only a customer's message of this chat can be reacted to; our own note cannot.
    note = page.post(path, json={"type": "Note", "text": "VIP"}).json()
    refused = page.post(path, json={"content_type": "Reaction", "reaction": {"message": note["uuid"], "emoji": "👍"}})
    assert refused.status_code == 400 and refused.json()["code"] == "reaction_not_found"
