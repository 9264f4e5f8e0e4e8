"""PayPal payment requests end to end over HTTP: the Owner enables PayPal (the default payment
template goes to Meta in three languages and is approved), an agent's frame sends 12.50 EUR, the
customer receives the template with the link, the link counts its opening and redirects to PayPal.
Toggles, a disabled integration, bad amounts and other accounts are refused."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.seeding import Integration, add_service_user_with_key, seed_integration
from support.sessions import open_frame, sign_in_person
from support.world import World, running_world, wait_for

GIULIA = "+393331234567"
RECEIVER = "payments@shop.example.com"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings, read_without_delivered_probability=0.0) as world:
        yield world


@pytest.fixture
def clients() -> Iterator[list[httpx.Client]]:
    made: list[httpx.Client] = []
    yield made
    for client in made:
        client.close()


@pytest.fixture
def desk(world: World) -> Integration:
    return add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")


def enable_paypal(world: World, clients: list[httpx.Client]) -> list[int]:
    owner = sign_in_person(world.sportello_url, "owner@shop.example.com")
    clients.append(owner)
    enabled = owner.put("/web/api/paypal/", json={"email": RECEIVER, "default_currency": "EUR"})
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["enabled"] is True and enabled.json()["notice"] == ""
    made: list[int] = enabled.json()["default_templates"]
    assert len(made) == 3

    def approved() -> bool:
        listed = owner.get("/web/api/templates/").json()["results"]
        return sum(1 for t in listed if t["subcategory"] == "payment_request" and t["status"] == "approved") == 3

    wait_for(approved)
    return made


def chat_with_giulia(world: World, page: httpx.Client) -> str:
    httpx.post(
        f"{world.emulator_url}/_emulator/say", json={"from": GIULIA, "name": "Giulia", "text": "Quanto le devo?"}
    )
    chats = wait_for(lambda: page.get("/web/api/chats/").json()["results"])
    return str(chats[0]["uuid"])


def template_in(world: World, page: httpx.Client, language: str) -> int:
    listed = page.get("/web/api/templates/").json()["results"]
    return next(t["id"] for t in listed if t["subcategory"] == "payment_request" and t["language"] == language)


def test_a_request_reaches_the_customer_and_its_link_leads_to_paypal(
    world: World, desk: Integration, clients: list[httpx.Client]
) -> None:
    enable_paypal(world, clients)
    page = open_frame(world.sportello_url, desk)
    clients.append(page)
    chat = chat_with_giulia(world, page)
    sent = page.post(
        f"/web/api/chats/{chat}/payment_requests/",
        json={
            "template": template_in(world, page, "it"),
            "amount": "12.50",
            "currency": "EUR",
            "description": "Giacca blu, taglia M",
        },
    )
    assert sent.status_code == 201, sent.text
    request = sent.json()
    assert request["amount"] == "12.50" and request["currency"] == "EUR" and request["opened_count"] == 0
    assert request["sender"] == "Desk" and request["message_uuid"]
    link = request["link"]
    assert link == f"{world.settings.public_app_url}/pay/{request['id']}" and len(request["id"]) >= 21

    def delivered() -> str:
        for entry in httpx.get(f"{world.emulator_url}/_emulator/sent").json():
            if entry["type"] == "template":
                return str(entry["body"])
        return ""

    body = wait_for(delivered)
    assert "12,50 EUR" in body and link in body and "Giacca blu, taglia M" in body

    opened = httpx.get(link, follow_redirects=False)
    assert opened.status_code == 303
    target = urlsplit(opened.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://www.paypal.com/cgi-bin/webscr"
    query = parse_qs(target.query)
    assert query["business"] == [RECEIVER] and query["amount"] == ["12.50"] and query["currency_code"] == ["EUR"]
    assert query["item_name"] == ["Giacca blu, taglia M"] and query["cmd"] == ["_xclick"]
    httpx.get(link, follow_redirects=False)

    cards = page.get(f"/web/api/chats/{chat}/payment_requests/").json()
    assert cards[0]["opened_count"] == 2 and cards[0]["first_opened_datetime"] is not None
    listed = httpx.get(
        f"{world.sportello_url}/api/1/payment_requests/", headers={"X-Spoki-Api-Key": desk.api_key}
    ).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == request["id"]
    assert listed["results"][0]["chat_uuid"] == chat and listed["results"][0]["opened_count"] == 2
    other = seed_integration(world.settings, name="Other")
    theirs = httpx.get(f"{world.sportello_url}/api/1/payment_requests/", headers={"X-Spoki-Api-Key": other.api_key})
    assert theirs.json()["count"] == 0
    assert httpx.get(f"{world.sportello_url}/pay/not-a-real-link", headers={"Accept-Language": "it"}).status_code == 404


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        ("0", "EUR", "amount_not_positive"),
        ("-3", "EUR", "amount_not_positive"),
        ("12.345", "EUR", "amount_too_many_decimals"),
        ("1500.5", "JPY", "amount_too_many_decimals"),
        ("dodici", "EUR", "amount_not_a_number"),
        ("99999999", "EUR", "amount_too_large"),
        ("10", "XYZ", "currency_unsupported"),
    ],
)
def test_bad_amounts_get_a_clear_error_and_send_nothing(
    world: World, desk: Integration, clients: list[httpx.Client], amount: str, currency: str, code: str
) -> None:
    enable_paypal(world, clients)
    page = open_frame(world.sportello_url, desk)
    clients.append(page)
    chat = chat_with_giulia(world, page)
    answer = page.post(
        f"/web/api/chats/{chat}/payment_requests/",
        json={"template": template_in(world, page, "en"), "amount": amount, "currency": currency, "description": "x"},
    )
    assert answer.status_code == 400 and answer.json()["code"] == code, answer.text
    assert page.get(f"/web/api/chats/{chat}/payment_requests/").json() == []


def test_the_toggle_and_a_disabled_integration_are_refused(
    world: World, desk: Integration, clients: list[httpx.Client]
) -> None:
    made = enable_paypal(world, clients)
    no_paypal = open_frame(world.sportello_url, desk, can_send_paypal_in_chat=False)
    clients.append(no_paypal)
    chat = chat_with_giulia(world, no_paypal)
    body = {"template": made[0], "amount": "12.50", "currency": "EUR", "description": "x"}
    refused = no_paypal.post(f"/web/api/chats/{chat}/payment_requests/", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "paypal_not_allowed"

    owner = clients[0]
    assert owner.delete("/web/api/paypal/").status_code == 204
    page = open_frame(world.sportello_url, desk)
    clients.append(page)
    assert page.get("/web/api/paypal/").json()["enabled"] is False
    off = page.post(f"/web/api/chats/{chat}/payment_requests/", json=body)
    assert off.status_code == 403 and off.json()["code"] == "paypal_disabled"
    # Only the Owner and Administrators set PayPal up.
    assert page.put("/web/api/paypal/", json={"email": RECEIVER}).status_code == 401


def test_a_payment_template_must_carry_the_amount_and_the_link(world: World, clients: list[httpx.Client]) -> None:
    owner = sign_in_person(world.sportello_url, "owner@shop.example.com")
    clients.append(owner)
    draft = {
        "name": "pay_now",
        "language": "en",
        "category": "MARKETING",
        "subcategory": "payment_request",
        "content": {
            "body": "Please pay %%SPOKI_PAYMENT_REQUEST_AMOUNT%% today, thank you.",
            "examples": {"SPOKI_PAYMENT_REQUEST_AMOUNT": "EUR 12.50"},
        },
    }
    missing = owner.post("/web/api/templates/", json=draft)
    assert missing.status_code == 400 and missing.json()["code"] == "payment_placeholders_missing"
    assert "SPOKI_PAYMENT_REQUEST_LINK" in missing.json()["detail"]
    utility = owner.post("/web/api/templates/", json={**draft, "category": "UTILITY"})
    assert utility.json()["code"] == "payment_template_category"
    draft["content"] = {
        "body": "Please pay %%SPOKI_PAYMENT_REQUEST_AMOUNT%% here: %%SPOKI_PAYMENT_REQUEST_LINK%% thank you.",
        "examples": {"SPOKI_PAYMENT_REQUEST_AMOUNT": "EUR 12.50", "SPOKI_PAYMENT_REQUEST_LINK": "https://x.example/p"},
    }
    assert owner.post("/web/api/templates/", json=draft).status_code == 201


def test_outside_the_24_hour_window_the_request_still_goes_as_the_template_it_is(
    world: World, desk: Integration, clients: list[httpx.Client]
) -> None:
    enable_paypal(world, clients)
    api = httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": desk.api_key})
    clients.append(api)
    # A customer who never wrote: no window at all, so free text is refused but a template is not.
    contact = api.post("/api/1/contacts/", json={"phone": "+393471112222", "first_name": "Marco"}).json()
    page = open_frame(world.sportello_url, desk)
    clients.append(page)
    text = page.post(f"/web/api/chats/{contact['chat_uuid']}/messages/", json={"type": "Message", "text": "Ciao"})
    assert text.status_code == 409 and text.json()["code"] == "window_closed"
    sent = page.post(
        f"/web/api/chats/{contact['chat_uuid']}/payment_requests/",
        json={"template": template_in(world, page, "es"), "amount": "1500", "currency": "JPY", "description": "Té"},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["amount"] == "1500"
    wait_for(lambda: any(e["to"] == "393471112222" for e in httpx.get(f"{world.emulator_url}/_emulator/sent").json()))


def test_a_payment_template_is_never_sent_as_a_plain_template(
    world: World, desk: Integration, clients: list[httpx.Client]
) -> None:
    """Its amount and link would be free text (any link, no amount checked, no tracked /pay/
    link): the page's send, New chat and the REST API all refuse it, toggle or not."""
    enable_paypal(world, clients)
    no_paypal = open_frame(world.sportello_url, desk, can_send_paypal_in_chat=False)
    clients.append(no_paypal)
    chat = chat_with_giulia(world, no_paypal)
    template = template_in(world, no_paypal, "it")
    fields = {
        "SPOKI_PAYMENT_REQUEST_AMOUNT": "0,01 €",
        "SPOKI_PAYMENT_REQUEST_LINK": "https://attacker.example/pay",
        "SPOKI_PAYMENT_REQUEST_DESCRIPTION": "Giacca",
    }
    as_template = {"type": "Template", "template": template, "custom_fields": fields}
    full = open_frame(world.sportello_url, desk)
    clients.append(full)
    for answer in (
        no_paypal.post(f"/web/api/chats/{chat}/messages/", json=as_template),
        full.post(f"/web/api/chats/{chat}/messages/", json=as_template),
        full.post(
            "/web/api/chats/new/", json={"phone": "+393339876543", "template": template, "custom_fields": fields}
        ),
        httpx.post(
            f"{world.sportello_url}/api/1/messages/send/",
            headers={"X-Spoki-Api-Key": desk.api_key},
            json={"chat_uuid": chat, **as_template},
        ),
        httpx.post(
            f"{world.sportello_url}/api/1/messages/send/",
            headers={"X-Spoki-Api-Key": desk.api_key},
            json={"phone": "+393339876543", **as_template},
        ),
    ):
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "payment_template_needs_paypal"
    assert "attacker.example" not in str(httpx.get(f"{world.emulator_url}/_emulator/sent").json())
    history = full.get(f"/web/api/chats/{chat}/messages/").json()["results"]
    assert [m["content_type"] for m in history] == ["Text"], "only the customer's message is in the chat"
