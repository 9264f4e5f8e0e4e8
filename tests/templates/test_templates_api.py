"""Templates over the API against the emulator: Meta's checks before Meta, review by webhook,
and an approved template sent outside the 24-hour window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User
from sportello.credentials.service import api_keys
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings
from support.meta_schema import errors
from support.seeding import seed_integration
from support.world import World, running_world, wait_for

ORDER_READY = {
    "name": "order_ready",
    "language": "it",
    "category": "UTILITY",
    "content": {
        "header": "Ordine %%ORDER%%",
        "body": "Ciao %%NAME%%, il tuo ordine %%ORDER%% è pronto per il ritiro in negozio.",
        "footer": "Sportello Shop",
        "buttons": [{"type": "QUICK_REPLY", "text": "Grazie"}],
        "examples": {"NAME": "Giulia", "ORDER": "A-1042"},
    },
}


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings, read_without_delivered_probability=0.0) as world:
        yield world


@pytest.fixture
def api(world: World) -> Iterator[httpx.Client]:
    async def key(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
        async with unit_of_work(sessionmaker) as session:
            owner = await session.scalar(
                select(User).where(User.account_id == world.account_id, User.role == Role.OWNER)
            )
            assert owner is not None
            raw, created = await api_keys.request_api_key(
                session,
                actor=Actor.of(owner),
                motivation="x" * 25,
                allowed_origins=[],
                signing_key=world.settings.signing_key,
            )
            await api_keys.approve_api_key(session, key_id=created.id)
            return raw

    with httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": world.run(key)}) as client:
        yield client


def _with(content: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**ORDER_READY, "content": {**ORDER_READY["content"], **changes}}


def test_a_template_is_drafted_submitted_approved_and_sent(world: World, api: httpx.Client) -> None:
    created = api.post("/api/1/templates/", json=ORDER_READY)
    assert created.status_code == 201, created.text
    template = created.json()
    assert template["status"] == "draft" and template["placeholders"] == ["ORDER", "NAME"]
    submitted = api.post(f"/api/1/templates/{template['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending"
    at_meta = httpx.get(f"{world.emulator_url}/_emulator/templates").json()[0]
    # Meta numbers each component's variables on its own: the header's ORDER is its {{1}}.
    assert at_meta["components"][0]["text"] == "Ordine {{1}}"
    assert at_meta["components"][1]["text"] == "Ciao {{1}}, il tuo ordine {{2}} è pronto per il ritiro in negozio."
    assert at_meta["components"][1]["example"] == {"body_text": [["Giulia", "A-1042"]]}
    wait_for(lambda: api.get(f"/api/1/templates/{template['id']}/").json()["status"] == "approved")

    missing = api.post(
        "/api/1/messages/send/",
        json={
            "phone": "+393331234567",
            "type": "Template",
            "template": template["id"],
            "custom_fields": {"NAME": "Giulia"},
        },
    )
    assert missing.status_code == 400 and missing.json()["code"] == "missing_custom_fields"
    sent = api.post(
        "/api/1/messages/send/",
        json={
            "phone": "+393331234567",
            "type": "Template",
            "template": template["id"],
            "custom_fields": {"NAME": "Giulia", "ORDER": "A-1042"},
        },
    )
    assert sent.status_code == 201, sent.text
    assert "Ciao Giulia, il tuo ordine A-1042 è pronto" in sent.json()["text"]
    body = wait_for(lambda: httpx.get(f"{world.emulator_url}/_emulator/sent").json())[0]["body"]
    assert errors("Message", {k: v for k, v in body.items() if k != "biz_opaque_callback_data"}) == []
    assert body["template"]["components"] == [
        {"type": "header", "parameters": [{"type": "text", "text": "A-1042"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Giulia"}, {"type": "text", "text": "A-1042"}]},
    ]
    chat_uuid = sent.json()["chat_uuid"]
    wait_for(lambda: api.get(f"/api/1/chats/{chat_uuid}/messages/").json()["results"][0]["send_status"] == "Read")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"body": "%%NAME%% il tuo ordine %%ORDER%% è pronto per il ritiro."}, "placeholder_at_edge"),
        ({"body": "Il tuo ordine è pronto per il ritiro, %%NAME%%"}, "placeholder_at_edge"),
        ({"examples": {"NAME": "Giulia"}}, "placeholder_without_example"),
        ({"body": "Ciao %%NAME%% %%ORDER%% ok"}, "too_few_words"),
        ({"body": "Ciao %%name%%, il tuo ordine è pronto."}, "malformed_placeholder"),
        ({"header": "Ordine %%ORDER%% per %%NAME%%"}, "too_many_placeholders"),
        ({"footer": "x" * 61}, "template_text_too_long"),
        ({"buttons": [{"type": "URL", "text": "Apri", "url": "http://insecure.example.com"}]}, "button_url_invalid"),
    ],
)
def test_metas_rules_are_checked_before_meta(api: httpx.Client, changes: dict[str, Any], code: str) -> None:
    answer = api.post("/api/1/templates/", json=_with(ORDER_READY, **changes))
    assert answer.status_code == 400 and answer.json()["code"] == code, answer.text


def test_names_and_duplicates(api: httpx.Client) -> None:
    bad = api.post("/api/1/templates/", json={**ORDER_READY, "name": "Order Ready"})
    assert bad.status_code == 400 and bad.json()["code"] == "template_invalid_name"
    assert api.post("/api/1/templates/", json=ORDER_READY).status_code == 201
    again = api.post("/api/1/templates/", json=ORDER_READY)
    assert again.status_code == 409 and again.json()["code"] == "template_exists"
    other_language = api.post("/api/1/templates/", json={**ORDER_READY, "language": "es"})
    assert other_language.status_code == 201


def test_rejected_back_to_draft_clone_and_delete(world: World, api: httpx.Client) -> None:
    template = api.post("/api/1/templates/", json={**ORDER_READY, "name": "please_reject"}).json()
    api.post(f"/api/1/templates/{template['id']}/submit/")
    rejected = wait_for(
        lambda: (t := api.get(f"/api/1/templates/{template['id']}/").json())["status"] == "rejected" and t
    )
    # Meta's rejection_info (sent with INVALID_FORMAT) reads as a sentence, not a code.
    assert rejected["rejection_reason"].startswith("The template's variables are not formatted correctly.")
    not_approved = api.post(
        "/api/1/messages/send/",
        json={
            "phone": "+393331234567",
            "type": "Template",
            "template": template["id"],
            "custom_fields": {"NAME": "G", "ORDER": "1"},
        },
    )
    assert not_approved.status_code == 409 and not_approved.json()["code"] == "template_not_approved"
    assert api.post(f"/api/1/templates/{template['id']}/back_to_draft/").json()["status"] == "draft"
    patched = api.patch(f"/api/1/templates/{template['id']}/", json={"category": "MARKETING"})
    assert patched.json()["category"] == "MARKETING"
    copy = api.post(f"/api/1/templates/{template['id']}/clone/")
    assert copy.status_code == 201 and copy.json()["name"] == "please_reject_copy" and copy.json()["status"] == "draft"
    assert api.delete(f"/api/1/templates/{template['id']}/").status_code == 204
    assert httpx.get(f"{world.emulator_url}/_emulator/templates").json() == []
    assert api.get(f"/api/1/templates/{template['id']}/").json()["code"] == "template_not_found"


def test_another_accounts_templates_are_not_found(world: World, api: httpx.Client) -> None:
    other = seed_integration(world.settings, name="Other")
    theirs = httpx.post(
        f"{world.sportello_url}/api/1/templates/", headers={"X-Spoki-Api-Key": other.api_key}, json=ORDER_READY
    ).json()
    path = f"/api/1/templates/{theirs['id']}/"
    for answer in (
        api.get(path),
        api.patch(path, json={"category": "MARKETING"}),
        api.post(f"{path}submit/"),
        api.post(f"{path}clone/"),
        api.post(f"{path}back_to_draft/"),
        api.delete(path),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "template_not_found"
    assert api.get("/api/1/templates/").json()["count"] == 0


TRACKING = {
    "name": "order_shipped",
    "language": "en",
    "category": "UTILITY",
    "content": {
        "header": "Order %%ORDER%%",
        "body": "Hi %%NAME%%, your order %%ORDER%% left our shop today and arrives by %%DAY%%.",
        "footer": "Sportello Shop",
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Thanks"},
            {"type": "URL", "text": "Track it", "url": "https://shop.example.com/track/%%PARCEL%%"},
        ],
        "examples": {"NAME": "Giulia", "ORDER": "A-1042", "DAY": "Friday", "PARCEL": "PX-9"},
    },
}


def _approved(world: World, api: httpx.Client, template: dict[str, Any]) -> dict[str, Any]:
    created = api.post("/api/1/templates/", json=template)
    assert created.status_code == 201, created.text
    template_id = created.json()["id"]
    assert api.post(f"/api/1/templates/{template_id}/submit/").status_code == 200
    wait_for(lambda: api.get(f"/api/1/templates/{template_id}/").json()["status"] == "approved")
    return dict(api.get(f"/api/1/templates/{template_id}/").json())


def test_the_customer_reads_the_template_as_the_agent_previewed_it(world: World, api: httpx.Client) -> None:
    template = _approved(world, api, TRACKING)
    assert template["placeholders"] == ["ORDER", "NAME", "DAY", "PARCEL"]
    at_meta = next(
        t for t in httpx.get(f"{world.emulator_url}/_emulator/templates").json() if t["name"] == "order_shipped"
    )
    buttons = at_meta["components"][-1]["buttons"]
    assert buttons[1]["url"] == "https://shop.example.com/track/{{1}}"
    assert buttons[1]["example"] == ["https://shop.example.com/track/PX-9"]

    values = {"NAME": "Marco", "ORDER": "B-7", "DAY": "Monday", "PARCEL": "ZX-42"}
    sent = api.post(
        "/api/1/messages/send/",
        json={"phone": "+393331234567", "type": "Template", "template": template["id"], "custom_fields": values},
    )
    assert sent.status_code == 201, sent.text
    agent_text = sent.json()["text"]
    assert agent_text == (
        "Order B-7\n\nHi Marco, your order B-7 left our shop today and arrives by Monday.\n\nSportello Shop"
    )
    phone = wait_for(
        lambda: [
            m
            for m in httpx.get(f"{world.emulator_url}/_emulator/conversations/393331234567").json()["messages"]
            if m["type"] == "template"
        ]
    )[0]
    assert phone["text"] == agent_text
    assert phone["buttons"] == [
        {"type": "QUICK_REPLY", "text": "Thanks", "payload": "Thanks"},
        {"type": "URL", "text": "Track it", "url": "https://shop.example.com/track/ZX-42"},
    ]
    body = httpx.get(f"{world.emulator_url}/_emulator/sent").json()[-1]["body"]
    assert errors("Message", {k: v for k, v in body.items() if k != "biz_opaque_callback_data"}) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example.com/%%PARCEL%%/track",
        "https://shop.example.com/%%PARCEL%%%%ORDER%%",
    ],
)
def test_a_url_button_takes_one_placeholder_at_its_end(api: httpx.Client, url: str) -> None:
    buttons = [{"type": "URL", "text": "Track it", "url": url}]
    answer = api.post("/api/1/templates/", json={**TRACKING, "content": {**TRACKING["content"], "buttons": buttons}})
    assert answer.status_code == 400 and answer.json()["code"] == "button_url_placeholder", answer.text


def test_a_named_template_is_reviewed_and_sent_with_its_parameters_named(world: World, api: httpx.Client) -> None:
    template = _approved(world, api, {**TRACKING, "name": "order_shipped_named", "parameter_format": "NAMED"})
    assert template["parameter_format"] == "NAMED"
    at_meta = next(
        t for t in httpx.get(f"{world.emulator_url}/_emulator/templates").json() if t["name"] == "order_shipped_named"
    )
    assert at_meta["parameter_format"] == "NAMED"
    header, body = at_meta["components"][0], at_meta["components"][1]
    assert header["text"] == "Order {{order}}"
    assert header["example"] == {"header_text_named_params": [{"param_name": "order", "example": "A-1042"}]}
    assert body["text"] == "Hi {{name}}, your order {{order}} left our shop today and arrives by {{day}}."
    assert [p["param_name"] for p in body["example"]["body_text_named_params"]] == ["name", "order", "day"]

    values = {"NAME": "Marco", "ORDER": "B-7", "DAY": "Monday", "PARCEL": "ZX-42"}
    sent = api.post(
        "/api/1/messages/send/",
        json={"phone": "+393337654321", "type": "Template", "template": template["id"], "custom_fields": values},
    )
    assert sent.status_code == 201, sent.text
    phone = wait_for(
        lambda: [
            m
            for m in httpx.get(f"{world.emulator_url}/_emulator/conversations/393337654321").json()["messages"]
            if m["type"] == "template"
        ]
    )[0]
    assert phone["text"] == sent.json()["text"]
    assert phone["buttons"][1]["url"] == "https://shop.example.com/track/ZX-42"
    body_sent = httpx.get(f"{world.emulator_url}/_emulator/sent").json()[-1]["body"]["template"]["components"][1]
    assert [p["parameter_name"] for p in body_sent["parameters"]] == ["name", "order", "day"]


def test_the_agents_copy_of_a_template_shows_its_buttons_as_the_customer_sees_them(
    world: World, api: httpx.Client
) -> None:
    call = {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+39 02 1234 5678"}
    with_call = {**TRACKING, "content": {**TRACKING["content"], "buttons": [*TRACKING["content"]["buttons"], call]}}
    template = _approved(world, api, with_call)
    values = {"NAME": "Marco", "ORDER": "B-7", "DAY": "Monday", "PARCEL": "ZX-42"}
    sent = api.post(
        "/api/1/messages/send/",
        json={"phone": "+393331234567", "type": "Template", "template": template["id"], "custom_fields": values},
    )
    assert sent.status_code == 201, sent.text
    expected = [
        {"type": "QUICK_REPLY", "text": "Thanks", "url": "", "phone_number": ""},
        {"type": "URL", "text": "Track it", "url": "https://shop.example.com/track/ZX-42", "phone_number": ""},
        {"type": "PHONE_NUMBER", "text": "Call us", "url": "", "phone_number": "+39 02 1234 5678"},
    ]
    assert sent.json()["buttons"] == expected
    chat = sent.json()["chat_uuid"]
    listed = api.get(f"/api/1/chats/{chat}/messages/").json()["results"]
    assert [m["buttons"] for m in listed if m["type"] == "Template"] == [expected]
    phone = wait_for(
        lambda: [
            m
            for m in httpx.get(f"{world.emulator_url}/_emulator/conversations/393331234567").json()["messages"]
            if m["type"] == "template"
        ]
    )[0]
    assert [(b["type"], b["text"], b.get("url", "")) for b in phone["buttons"]][:2] == [
        (b["type"], b["text"], b["url"]) for b in expected[:2]
    ], "what the customer's phone shows"
