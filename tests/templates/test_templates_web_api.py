"""The templates page's API (`/web/api/templates/`), as the page calls it: a signed-in person's
cookie with the CSRF header, or a frame session's bearer; drafts, Meta's review through the
emulator, a Chat Operator who may only look, and accounts that never see each other's templates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts.models import Role
from sportello.realtime.models import LiveEvent
from sportello.settings import Settings
from support.seeding import Integration, add_service_user_with_key, seed_integration
from support.sessions import open_frame, sign_in_person
from support.world import World, running_world, wait_for

API = "/web/api/templates/"
PASSWORD = "correct-horse-battery"
ORDER_READY: dict[str, Any] = {
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
_CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    # Meta's review waits for the test to decide it (the emulator's control endpoint).
    with running_world(settings, template_review_seconds=600) as world:
        yield world


_open: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def signed_in(world: World, email: str = "owner@shop.example.com", *, csrf: bool = True) -> httpx.Client:
    client = sign_in_person(world.sportello_url, email, csrf=csrf)
    _open.append(client)
    return client


def frame(world: World, who: Integration) -> httpx.Client:
    client = open_frame(world.sportello_url, who, language="it", page="templates")
    _open.append(client)
    return client


def listed(client: httpx.Client, **query: str) -> dict[str, Any]:
    answer = client.get(API, params=query)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def at_meta(world: World) -> list[dict[str, Any]]:
    templates: list[dict[str, Any]] = httpx.get(f"{world.emulator_url}/_emulator/templates").json()
    return templates


def test_an_owner_requests_a_template_meta_approves_it_and_the_owner_deletes_it(world: World) -> None:
    owner = signed_in(world)
    created = owner.post(API, json=ORDER_READY)
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft" and draft["placeholders"] == ["ORDER", "NAME"]
    assert draft["content"]["examples"] == {"NAME": "Giulia", "ORDER": "A-1042"}
    assert at_meta(world) == [], "a draft stays in Sportello until it is submitted"

    submitted = owner.post(f"{API}{draft['id']}/submit/")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "pending"
    [review] = at_meta(world)
    assert review["name"] == "order_ready" and review["category"] == "UTILITY"
    assert review["components"][1]["text"] == "Ciao {{1}}, il tuo ordine {{2}} è pronto per il ritiro in negozio."

    approved = httpx.post(
        f"{world.emulator_url}/_emulator/templates/{review['id']}/review", json={"decision": "approve"}
    )
    assert approved.status_code == 200, approved.text
    wait_for(lambda: listed(owner)["results"][0]["status"] == "approved")
    page = listed(owner, search="ORDER")
    assert page["count"] == 1 and [t["name"] for t in page["results"]] == ["order_ready"]
    assert listed(owner, search="nothing_like_it")["count"] == 0

    deleted = owner.delete(f"{API}{draft['id']}/")
    assert deleted.status_code == 204, deleted.text
    assert listed(owner)["results"] == []
    assert at_meta(world) == [], "deleting an approved template deletes it at Meta too"


def test_meta_rejects_a_template_and_the_page_lists_the_reason(world: World) -> None:
    owner = signed_in(world)
    draft = owner.post(API, json={**ORDER_READY, "name": "promo_summer"}).json()
    assert owner.post(f"{API}{draft['id']}/submit/").status_code == 200
    [review] = at_meta(world)
    httpx.post(
        f"{world.emulator_url}/_emulator/templates/{review['id']}/review",
        json={"decision": "reject", "reason": "TAG_CONTENT_MISMATCH"},
    )
    rejected = wait_for(lambda: (found := listed(owner)["results"][0])["status"] == "rejected" and found)
    assert "TAG_CONTENT_MISMATCH" in rejected["rejection_reason"]
    assert rejected["rejection_code"] == "TAG_CONTENT_MISMATCH" and rejected["rejection_recommendation"] == ""


def test_a_rejection_keeps_metas_reason_code_and_advice(world: World) -> None:
    owner = signed_in(world)
    draft = owner.post(API, json={**ORDER_READY, "name": "promo_format"}).json()
    assert owner.post(f"{API}{draft['id']}/submit/").status_code == 200
    [review] = at_meta(world)
    httpx.post(
        f"{world.emulator_url}/_emulator/templates/{review['id']}/review",
        json={"decision": "reject", "reason": "INVALID_FORMAT"},
    )
    rejected = wait_for(lambda: (found := listed(owner)["results"][0])["status"] == "rejected" and found)
    # Meta adds `rejection_info` to INVALID_FORMAT: its sentence and its advice (M-TPLWH).
    assert rejected["rejection_code"] == "INVALID_FORMAT"
    assert rejected["rejection_recommendation"] == "Use {{1}}, {{2}} in order, with words around each variable."


def test_a_cookie_request_without_the_csrf_header_is_refused(world: World) -> None:
    no_header = signed_in(world, csrf=False)
    assert listed(no_header)["count"] == 0, "reading needs no CSRF token"
    refused = no_header.post(API, json=ORDER_READY)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert httpx.get(f"{world.sportello_url}{API}").status_code == 401


def test_a_frame_session_requests_and_submits_a_template(world: World) -> None:
    manager = frame(
        world, add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="CRM")
    )
    created = manager.post(API, json=ORDER_READY)
    assert created.status_code == 201, created.text
    submitted = manager.post(f"{API}{created.json()['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending"
    assert [t["status"] for t in listed(manager)["results"]] == ["pending"]
    assert [t["name"] for t in listed(signed_in(world))["results"]] == ["order_ready"], "one account, one list"


def test_the_server_checks_the_request_as_meta_would(world: World) -> None:
    owner = signed_in(world)
    bad_name = owner.post(API, json={**ORDER_READY, "name": "Order Ready"})
    assert bad_name.status_code == 400 and bad_name.json()["code"] == "template_invalid_name"
    no_example = owner.post(API, json={**ORDER_READY, "content": {**ORDER_READY["content"], "examples": {}}})
    assert no_example.status_code == 400 and no_example.json()["code"] == "placeholder_without_example"
    at_edge = owner.post(
        API, json={**ORDER_READY, "content": {**ORDER_READY["content"], "body": "%%NAME%% il tuo ordine è pronto."}}
    )
    assert at_edge.status_code == 400 and at_edge.json()["code"] == "placeholder_at_edge"
    assert owner.post(API, json=ORDER_READY).status_code == 201
    again = owner.post(API, json=ORDER_READY)
    assert again.status_code == 409 and again.json()["code"] == "template_exists"
    assert listed(owner)["count"] == 1


def test_a_chat_operator_sees_the_templates_but_cannot_request_submit_or_delete(world: World) -> None:
    owner = signed_in(world)
    draft = owner.post(API, json=ORDER_READY).json()
    operator = frame(
        world, add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Desk")
    )
    assert [t["id"] for t in listed(operator)["results"]] == [draft["id"]]
    for answer in (
        operator.post(API, json={**ORDER_READY, "name": "another_one"}),
        operator.post(f"{API}{draft['id']}/submit/"),
        operator.patch(f"{API}{draft['id']}/", json={"category": "MARKETING"}),
        operator.delete(f"{API}{draft['id']}/"),
    ):
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden", answer.text
    assert [t["status"] for t in listed(owner)["results"]] == ["draft"]


def test_another_accounts_template_is_invisible(world: World) -> None:
    shop = signed_in(world)
    mine = shop.post(API, json=ORDER_READY).json()
    other = frame(world, seed_integration(world.settings, name="Acme"))
    assert listed(other)["count"] == 0
    for answer in (
        other.post(f"{API}{mine['id']}/submit/"),
        other.patch(f"{API}{mine['id']}/", json={"category": "MARKETING"}),
        other.delete(f"{API}{mine['id']}/"),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "template_not_found", answer.text
    # The same name is free in another account.
    theirs = other.post(API, json=ORDER_READY)
    assert theirs.status_code == 201, theirs.text
    assert [t["id"] for t in listed(shop)["results"]] == [mine["id"]]
    assert [t["id"] for t in listed(other)["results"]] == [theirs.json()["id"]]


def test_a_failed_submit_keeps_the_draft(world: World) -> None:
    # Acme has no WhatsApp number: Meta cannot be asked, the draft stays to be submitted later.
    acme = frame(world, seed_integration(world.settings, name="Acme"))
    draft = acme.post(API, json=ORDER_READY).json()
    refused = acme.post(f"{API}{draft['id']}/submit/")
    assert refused.status_code == 409 and refused.json()["code"] == "no_whatsapp_number"
    assert [(t["id"], t["status"]) for t in listed(acme)["results"]] == [(draft["id"], "draft")]


def test_each_change_records_a_template_live_event(world: World) -> None:
    owner = signed_in(world)
    draft = owner.post(API, json=ORDER_READY).json()

    async def events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[int, str, str, str]]:
        async with sessionmaker() as session:
            rows = await session.scalars(select(LiveEvent).where(LiveEvent.kind == "template").order_by(LiveEvent.seq))
            # The body is what listeners hear: it carries the template itself.
            return [(e.account_id, e.kind, json.loads(e.body)["ref"], e.chat_uuid) for e in rows]

    assert world.run(events) == [(world.account_id, "template", str(draft["id"]), "")]
    owner.post(f"{API}{draft['id']}/submit/")
    assert [ref for _, _, ref, _ in world.run(events)] == [str(draft["id"])] * 2
