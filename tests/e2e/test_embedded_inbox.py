"""The embedded inbox in Debian's Chromium, as an integrator's users meet it: a host page on another
origin (another site, even) embeds Sportello's pages with tokens its backend minted, against real
uvicorn servers and the Cloud API emulator. Events to the host, live messages, replies reaching
the customer's phone, the toggles, the languages, a reused token, two users side by side."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.browser import as_the_frame, frame_of, host_app
from support.contrast import contrast_failures
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.sessions import sign_in_person
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

GIULIA, MARCO, READER = "+393331234567", "+393471112222", "+393489998877"
SCREENSHOTS = Path(os.environ["SPORTELLO_SCREENSHOTS"]) if os.environ.get("SPORTELLO_SCREENSHOTS") else None

# The host: iframes whose addresses its backend (the test) made, and a log of what they post.
HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title>
<style>iframe { width: 520px; height: 640px; border: 1px solid #ccc; }</style></head>
<body><h1>Host CRM</h1><div id="frames"></div><script src="/host.js"></script></body></html>"""
HOST_JS = """
window.received = [];
const params = new URLSearchParams(location.search);
const frames = JSON.parse(params.get("frames") || "[]");
const box = document.getElementById("frames");
const made = frames.map((src, index) => {
  const frame = document.createElement("iframe");
  frame.name = "frame" + index;
  frame.src = src;
  box.appendChild(frame);
  return frame;
});
window.addEventListener("message", (event) => {
  const index = made.findIndex((frame) => frame.contentWindow === event.source);
  window.received.push({ origin: event.origin, frame: index, eventType: event.data.eventType, data: event.data.data,
    at: Date.now() });
});
"""


class Setup:
    def __init__(self, world: World, host: str, manager: Integration, operator: Integration) -> None:
        self.world, self.host, self.manager, self.operator = world, host, manager, operator

    def iframe_url(self, who: Integration, slug: str, **params: str) -> str:
        """What the host's backend does: mint a token, build the iframe's address."""
        minted = httpx.post(
            f"{self.world.sportello_url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": who.api_key},
            json={"email": who.email, "private_key": who.private_key},
        )
        assert minted.status_code == 200, minted.text
        token = minted.json()
        query = "&".join(f"{k}={v}" for k, v in {"language": "en", **params}.items())
        return f"{self.world.sportello_url}/{slug}?auth_token={token['token']}&auth_uid={token['uid']}&{query}"

    def host_url(self, *frames: str) -> str:
        return f"{self.host}/?frames={quote(json.dumps(list(frames)))}"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("embedded-inbox")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    # `localhost` against Sportello's `127.0.0.1`: another site, so the iframe is a third party.
    host = f"http://localhost:{host_port}"
    with running_world(settings, read_without_delivered_probability=0.0) as world:
        manager = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        operator = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Operator", allowed_origins=[host]
        )
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            yield Setup(world, host, manager, operator)


def says(setup: Setup, phone: str, text: str, name: str = "Customer") -> None:
    answer = httpx.post(f"{setup.world.emulator_url}/_emulator/say", json={"from": phone, "name": name, "text": text})
    assert answer.status_code == 200, answer.text


def received(page: Page, event_type: str, frame: int = 0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = page.evaluate("window.received")
    return [e for e in events if e["eventType"] == event_type and e["frame"] == frame]


def wait_event(page: Page, event_type: str, check: str = "true", frame: int = 0) -> dict[str, Any]:
    """The last `event_type` event whose `data` satisfies the JavaScript expression `check`."""
    test = f"e => e.eventType === '{event_type}' && e.frame === {frame} && ((data) => {check})(e.data)"
    page.wait_for_function(f"window.received.some({test})")
    matching: list[dict[str, Any]] = page.evaluate(f"window.received.filter({test})")
    return matching[-1]


def chat_of(setup: Setup, phone: str) -> str:
    """The chat uuid of a customer, found as an integrator finds it: by phone, over the API (once
    the customer's webhook has been processed: it is filed after Meta's answer)."""

    def found() -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{setup.world.sportello_url}/api/1/contacts/",
            headers={"X-Spoki-Api-Key": setup.manager.api_key},
            params={"search": phone},
        )
        results: list[dict[str, Any]] = answer.json()["results"]
        return results

    return str(wait_for(found)[0]["chat_uuid"])


def shot(page: Page, name: str, index: int = 0) -> None:
    """The README's pictures of the pages, as the host's iframe shows them (SPORTELLO_SCREENSHOTS=folder)."""
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("iframe").nth(index).screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_the_host_gets_its_events_and_a_customer_message_arrives_live(setup: Setup, page: Page) -> None:
    says(setup, GIULIA, "Buongiorno! Avete la giacca blu in taglia M?", name="Giulia Rossi")
    page.goto(setup.host_url(setup.iframe_url(setup.manager, "chats")))
    inbox = frame_of(page)
    expect(inbox.locator(".chat-row").first).to_contain_text("Giulia Rossi")
    expect(inbox.locator("#live-state")).to_have_attribute("data-state", "live")
    changed = wait_event(page, "chatsChanged", "data.chats.length >= 1")
    assert changed["origin"] == setup.world.sportello_url
    assert changed["data"]["page"] == 1 and changed["data"]["hasFilters"] is False
    assert changed["data"]["chats"][0]["contact"]["phone"] == GIULIA
    assert wait_event(page, "hasUnreadChatsChanged")["data"] == {"hasUnreadChats": True, "unreadCount": 1}
    # The address bar no longer carries the token.
    assert "auth_token" not in inbox.url and "frame=" in inbox.url

    # A second customer writes: the list shows it without a reload, and the host is told.
    says(setup, MARCO, "Salve, a che ora aprite?", name="Marco Bianchi")
    expect(inbox.locator(".chat-row").first).to_contain_text("Marco Bianchi")
    wait_event(page, "chatsChanged", "data.chats.some(c => c.contact.phone === '+393471112222')")
    # Still some unread, one more of them: the host hears the new number (an addition to the guide's event).
    assert wait_event(page, "hasUnreadChatsChanged", "data.unreadCount === 2")["data"]["hasUnreadChats"] is True
    inbox.locator("#chat-search").fill("Giulia")
    expect(inbox.locator(".chat-row")).to_have_count(1)
    assert wait_event(page, "chatsChanged", "data.hasFilters")["data"]["chats"][0]["contact"]["phone"] == GIULIA
    assert contrast_failures(inbox) == []
    shot(page, "chats")

    # Open Giulia's chat from the list; the chat page tells the host the chat and its messages.
    inbox.locator(".chat-row a").first.click()
    expect(inbox.locator("#messages")).to_contain_text("giacca blu")
    opened = wait_event(page, "chatMessagesChanged")
    assert opened["data"]["page"] == 1 and opened["data"]["chat"]["contact"]["phone"] == GIULIA
    assert opened["data"]["messages"][0]["text"].startswith("Buongiorno")

    # She writes again: the open chat shows it live, the host gets the message.
    says(setup, GIULIA, "Ah, e anche in rosso?", name="Giulia Rossi")
    expect(inbox.locator("#messages")).to_contain_text("anche in rosso")
    live = wait_event(page, "chatMessagesChanged", "data.messages.some(m => m.text === 'Ah, e anche in rosso?')")
    assert live["data"]["messages"][0]["direction"] == "Inbound"

    # The agent answers with Enter; the customer's phone shows it.
    inbox.locator("#reply").fill("Sì, in entrambi i colori!")
    inbox.locator("#reply").press("Enter")
    expect(inbox.locator(".message.outbound").last).to_contain_text("entrambi i colori")
    expect(inbox.locator(".message.outbound .tick").last).to_have_attribute("aria-label", "Read", timeout=15_000)
    assert contrast_failures(inbox) == []
    shot(page, "chat")
    phone = page.context.new_page()
    phone.goto(f"{setup.world.emulator_url}/phone/{GIULIA.lstrip('+')}")
    expect(phone.locator("#messages")).to_contain_text("Sì, in entrambi i colori!")
    phone.close()
    # A note stays inside: visibly a note, never on the phone.
    inbox.locator("#tab-note").click()
    inbox.locator("#note").fill("Cliente abituale, sconto 10%")
    inbox.locator("#note").press("Enter")
    expect(inbox.locator(".message.note")).to_contain_text("sconto 10%")
    sent = httpx.get(f"{setup.world.emulator_url}/_emulator/sent").json()
    assert "sconto" not in json.dumps(sent)
    # Sportello set no cookie anywhere: the embedded session needs none.
    assert [c for c in page.context.cookies() if "127.0.0.1" in c["domain"]] == []


def test_no_branding_or_navigation_inside_the_iframe(setup: Setup, page: Page) -> None:
    page.goto(setup.host_url(setup.iframe_url(setup.manager, "chats")))
    inbox = frame_of(page)
    expect(inbox.locator("#chat-list-region")).to_be_visible()
    assert inbox.locator("header.topbar, nav[aria-label], .brand").count() == 0
    assert "Sportello" not in inbox.locator("body").inner_text()
    assert "Sportello" not in inbox.title()
    external = inbox.eval_on_selector_all(
        "a[href]", "links => links.map(a => a.href).filter(h => !h.startsWith(location.origin))"
    )
    assert external == []


def test_each_toggle_hides_its_part_and_the_server_refuses_it(setup: Setup, page: Page) -> None:
    says(setup, GIULIA, "Ci siete?", name="Giulia Rossi")
    chat_uuid = chat_of(setup, GIULIA)
    read_only = setup.iframe_url(setup.manager, f"chats/{chat_uuid}", can_reply_in_chat="false")
    no_list = setup.iframe_url(setup.manager, f"chats/{chat_uuid}", can_view_chat_list="false")
    list_off = setup.iframe_url(setup.manager, "chats", can_view_chat_list="false")
    page.goto(setup.host_url(read_only, no_list, list_off))
    first, second, third = frame_of(page, 0), frame_of(page, 1), frame_of(page, 2)
    expect(first.locator("#messages")).to_contain_text("Ci siete?")
    expect(first.locator(".composer")).to_have_count(0)
    expect(first.locator("#back-to-list")).to_be_visible()
    expect(second.locator(".composer")).to_be_visible()
    expect(second.locator("#back-to-list")).to_have_count(0)
    expect(third.locator("#list-not-allowed")).to_be_visible()

    send = f"/web/api/chats/{chat_uuid}/messages/"
    assert as_the_frame(first, "POST", send, {"type": "Message", "text": "x"}) == 403
    assert as_the_frame(third, "GET", "/web/api/chats/", None) == 403
    assert as_the_frame(second, "GET", f"/web/api/chats/{chat_uuid}/", None) == 200


@pytest.mark.parametrize(
    ("language", "expected"), [("it", ("Solo non lette", "In tempo reale")), ("es", ("Solo no leídos", "En directo"))]
)
def test_the_pages_speak_the_language_of_the_address(
    setup: Setup, page: Page, language: str, expected: tuple[str, str]
) -> None:
    page.goto(setup.host_url(setup.iframe_url(setup.manager, "chats", language=language)))
    inbox = frame_of(page)
    expect(inbox.locator("#chat-filter")).to_contain_text(expected[0])
    expect(inbox.locator("#live-state")).to_have_text(expected[1])
    assert inbox.locator("html").get_attribute("lang") == language
    # Reloading the iframe keeps its session (and its language).
    inbox.evaluate("location.reload()")
    expect(frame_of(page).locator("#chat-filter")).to_contain_text(expected[0])


def test_a_reused_token_shows_session_expired(setup: Setup, page: Page) -> None:
    address = setup.iframe_url(setup.manager, "chats", language="it")
    page.goto(setup.host_url(address))
    expect(frame_of(page).locator("#chat-list-region")).to_be_visible()
    page.goto(setup.host_url(address))
    expired = frame_of(page)
    expect(expired.locator("#session-expired")).to_contain_text("Sessione scaduta")
    expect(expired.locator("#session-expired")).to_contain_text("già stato usato")


def test_two_iframes_are_two_users_who_see_only_their_own_chats(setup: Setup, page: Page) -> None:
    says(setup, GIULIA, "Buonasera", name="Giulia Rossi")
    page.goto(setup.host_url(setup.iframe_url(setup.manager, "chats"), setup.iframe_url(setup.operator, "chats")))
    desk, operator = frame_of(page, 0), frame_of(page, 1)
    expect(desk.locator(".chat-row").first).to_be_visible()
    expect(operator.locator("#chats-empty")).to_be_visible()
    assert wait_event(page, "chatsChanged", frame=1)["data"]["chats"] == []
    assert wait_event(page, "hasUnreadChatsChanged", frame=1)["data"] == {"hasUnreadChats": False, "unreadCount": 0}
    # Reloading both keeps each its own user.
    desk.evaluate("location.reload()")
    operator.evaluate("location.reload()")
    desk, operator = frame_of(page, 0), frame_of(page, 1)
    expect(desk.locator(".chat-row").first).to_be_visible()
    expect(operator.locator("#chats-empty")).to_be_visible()
    assert desk.locator("#chat-operator").count() == 1 and operator.locator("#chat-operator").count() == 0


def test_the_templates_page_opens_in_the_frame(setup: Setup, page: Page) -> None:
    owner = sign_in_person(setup.world.sportello_url, "owner@shop.example.com")
    try:
        draft = owner.post(
            "/web/api/templates/",
            json={
                "name": "order_ready",
                "language": "it",
                "category": "UTILITY",
                "content": {
                    "body": "Ciao %%NAME%%, il tuo ordine %%ORDER%% è pronto per il ritiro in negozio.",
                    "footer": "Demo Shop",
                    "examples": {"NAME": "Giulia", "ORDER": "A-1042"},
                },
            },
        )
        assert draft.status_code == 201, draft.text
        assert owner.post(f"/web/api/templates/{draft.json()['id']}/submit/").status_code == 200
    finally:
        owner.close()
    page.goto(setup.host_url(setup.iframe_url(setup.manager, "templates")))
    templates = frame_of(page)
    expect(templates.locator("#page-title")).to_have_text("Templates")
    expect(templates.locator("body")).to_contain_text("order_ready")
    assert contrast_failures(templates) == []
    expect(templates.locator("#live-state")).to_have_attribute("data-state", "live")
    assert wait_event(page, "hasUnreadChatsChanged")["origin"] == setup.world.sportello_url
    shot(page, "templates")


def test_an_agent_sends_a_paypal_request_and_the_customer_gets_a_working_link(setup: Setup, page: Page) -> None:
    owner = sign_in_person(setup.world.sportello_url, "owner@shop.example.com")
    try:
        enabled = owner.put("/web/api/paypal/", json={"email": "cassa@shop.example.com", "default_currency": "EUR"})
        assert enabled.status_code == 200, enabled.text
        wait_for(
            lambda: (
                sum(
                    t["status"] == "approved" and t["subcategory"] == "payment_request"
                    for t in owner.get("/web/api/templates/").json()["results"]
                )
                == 3
            )
        )
    finally:
        owner.close()
    says(setup, GIULIA, "Posso pagare con PayPal?", name="Giulia Rossi")
    chat_uuid = chat_of(setup, GIULIA)
    page.goto(
        setup.host_url(
            setup.iframe_url(setup.manager, f"chats/{chat_uuid}", language="it"),
            setup.iframe_url(setup.manager, f"chats/{chat_uuid}", can_send_paypal_in_chat="false"),
        )
    )
    chat, without = frame_of(page, 0), frame_of(page, 1)
    expect(without.locator("#tab-reply")).to_be_visible()
    expect(without.locator("#tab-paypal")).to_have_count(0)

    chat.locator("#tab-paypal").click()
    chat.locator("#paypal-template").select_option(label="paypal_payment_request (it)")
    chat.locator("#paypal-amount").fill("12,345")
    expect(chat.locator("#paypal-amount-error")).to_have_text("Gli importi in EUR hanno al massimo 2 decimali.")
    chat.locator("#paypal-amount").fill("0")
    expect(chat.locator("#paypal-amount-error")).to_have_text("L'importo deve essere maggiore di zero.")
    chat.locator("#paypal-amount").fill("12.50")
    chat.locator("#paypal-currency-choice").select_option("EUR")
    chat.locator("#paypal-description").fill("Giacca blu, taglia M")
    expect(chat.locator("#paypal-amount-shown")).to_have_text("12,50 €")
    expect(chat.locator("#paypal-preview")).to_contain_text("12,50 EUR")
    expect(chat.locator("#paypal-preview")).to_contain_text("Giacca blu, taglia M")
    chat.locator("#paypal-send").click()
    card = chat.locator(".payment-card").last
    expect(card).to_contain_text("12,50")
    expect(card).to_contain_text("Link non ancora aperto")

    phone = page.context.new_page()
    phone.goto(f"{setup.world.emulator_url}/phone/{GIULIA.lstrip('+')}")
    expect(phone.locator("#messages")).to_contain_text("12,50 EUR")
    found = re.search(r"https?://\S+/pay/[\w-]+", phone.locator("#messages").inner_text())
    assert found, "the customer's message carries the payment link"
    link = found.group(0)
    phone.close()
    assert link.startswith(f"{setup.world.sportello_url}/pay/")
    opened = httpx.get(link, follow_redirects=False)
    assert opened.status_code == 303
    query = parse_qs(urlsplit(opened.headers["location"]).query)
    assert query["business"] == ["cassa@shop.example.com"] and query["amount"] == ["12.50"]
    assert query["currency_code"] == ["EUR"] and query["item_name"] == ["Giacca blu, taglia M"]
    # The card in the chat shows the opening, live.
    expect(card).to_contain_text("Link aperto 1 volta, la prima")

    # With the toggle off the server refuses the same request.
    body = {"template": 1, "amount": "12.50", "currency": "EUR", "description": "x"}
    status = as_the_frame(without, "POST", f"/web/api/chats/{chat_uuid}/payment_requests/", body)
    assert status == 403


def test_the_pages_fit_a_frame_320_pixels_wide(setup: Setup, browser_context: Any) -> None:
    says(setup, GIULIA, "Una domanda abbastanza lunga da non stare in una riga di un telefono piccolo")
    narrow = browser_context.new_page()
    narrow.set_viewport_size({"width": 320, "height": 640})
    try:
        narrow.goto(setup.host_url(setup.iframe_url(setup.manager, "chats")))
        frame = frame_of(narrow)
        frame.evaluate("document.body.style.margin = '0'")
        narrow.evaluate("document.querySelector('iframe').style.width = '320px'")
        expect(frame.locator(".chat-row").first).to_be_visible()
        assert frame.evaluate("document.documentElement.scrollWidth") <= 320
        frame.locator(".chat-row a").first.click()
        expect(frame.locator("#messages")).to_contain_text("telefono piccolo")
        assert frame.evaluate("document.documentElement.scrollWidth") <= 320
        # Everything is reachable with the keyboard: the reply box takes focus by Tab and sends by Enter.
        frame.locator("#tab-reply").focus()
        narrow.keyboard.press("Tab")
        assert frame.evaluate("document.activeElement.id") == "reply"
    finally:
        narrow.close()


# A 1x1 PNG: the smallest image WhatsApp carries.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def test_a_customers_photo_arrives_live_inline_and_opens_large(setup: Setup, page: Page) -> None:
    says(setup, GIULIA, "Vi mando una foto", name="Giulia Rossi")
    chat_uuid = chat_of(setup, GIULIA)
    page.goto(setup.host_url(setup.iframe_url(setup.manager, f"chats/{chat_uuid}")))
    chat = frame_of(page)
    expect(chat.locator("#messages")).to_contain_text("Vi mando una foto")
    uploaded = httpx.post(
        f"{setup.world.emulator_url}/_emulator/customer_media", files={"file": ("duomo.png", PNG, "image/png")}
    )
    assert uploaded.status_code == 200, uploaded.text
    photo = {"from": GIULIA, "type": "image", "media_id": uploaded.json()["media_id"], "caption": "Il Duomo"}
    assert httpx.post(f"{setup.world.emulator_url}/_emulator/say", json=photo).status_code == 200
    # The file is fetched from WhatsApp in the background; the open chat shows it as it arrives.
    image = chat.locator(".message.inbound img.media-image").last
    expect(image).to_have_attribute("src", re.compile(r"^blob:"))
    expect(image).to_have_attribute("alt", "Il Duomo")
    assert chat.evaluate("() => document.querySelector('img.media-image').naturalWidth") == 1
    chat.get_by_role("button", name="Open the photo large").last.click()
    expect(chat.locator("dialog.lightbox")).to_be_visible()
    chat.locator("dialog.lightbox").get_by_role("button", name="Close").click()
    expect(chat.locator("dialog.lightbox")).to_have_count(0)


def test_reading_older_messages_is_not_interrupted_by_new_ones(setup: Setup, page: Page) -> None:
    for index in range(14):
        says(setup, READER, f"Riga {index} di una lunga conversazione", name="Marco Bianchi")
    chat_uuid = chat_of(setup, READER)
    page.goto(setup.host_url(setup.iframe_url(setup.manager, f"chats/{chat_uuid}")))
    chat = frame_of(page)
    expect(chat.locator(".message.inbound")).to_have_count(14, timeout=15_000)
    chat.evaluate("document.querySelector('.scroller').scrollTop = 0")
    says(setup, READER, "Ci siete ancora?", name="Marco Bianchi")
    jump = chat.locator("#jump-to-new")
    expect(jump).to_be_visible()
    assert chat.evaluate("document.querySelector('.scroller').scrollTop") < 50, "the reader stays where they were"
    jump.click()
    expect(jump).to_be_hidden()
    expect(chat.locator(".message.inbound").last).to_be_in_viewport()


def test_outside_a_frame_the_full_app_counts_unread_chats_in_the_tab_title(setup: Setup, browser_context: Any) -> None:
    page = browser_context.new_page()
    try:
        page.goto(f"{setup.world.sportello_url}/login?next=/chats")
        page.get_by_label("Email").fill("owner@shop.example.com")
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("header.topbar nav")).to_be_visible()
        expect(page.locator("#chat-list-region")).to_have_attribute("aria-busy", "false")
        page.evaluate(
            "fetch('/web/api/chats/read_all/', {method: 'POST', headers: {'X-CSRF-Token': JSON.parse("
            "document.getElementById('boot').textContent).csrf}})"
        )
        expect(page).to_have_title(re.compile(r"^Chats"))
        says(setup, "+393401234000", "Buongiorno, siete aperti?", name="Nuova Cliente")
        expect(page).to_have_title(re.compile(r"^\(1\) Chats"))
        expect(page.locator(".chat-row").first).to_contain_text("Nuova Cliente")
    finally:
        page.close()


def test_a_new_chat_opens_with_a_template_and_the_templates_tab_sends_another(setup: Setup, page: Page) -> None:
    owner = sign_in_person(setup.world.sportello_url, "owner@shop.example.com")
    try:
        draft = owner.post(
            "/web/api/templates/",
            json={
                "name": "benvenuto",
                "language": "it",
                "category": "UTILITY",
                "content": {
                    "body": "Ciao %%NAME%%, grazie per averci scelto: scrivici qui per qualsiasi domanda.",
                    "examples": {"NAME": "Giulia"},
                },
            },
        )
        assert draft.status_code == 201, draft.text
        assert owner.post(f"/web/api/templates/{draft.json()['id']}/submit/").status_code == 200
        wait_for(
            lambda: any(
                t["name"] == "benvenuto" and t["status"] == "approved"
                for t in owner.get("/web/api/templates/").json()["results"]
            )
        )
    finally:
        owner.close()
    page.goto(setup.host_url(setup.iframe_url(setup.manager, "chats", language="it")))
    inbox = frame_of(page)
    inbox.locator("#new-chat").click()
    dialog = inbox.locator("#new-chat-dialog")
    dialog.get_by_label("Telefono").fill("+39 347 555 0101")
    dialog.locator("#new-template").select_option(label="benvenuto (it)")
    dialog.get_by_label("NAME").fill("Paola")
    expect(dialog.locator(".template-preview-box")).to_contain_text("Ciao Paola, grazie")
    dialog.get_by_role("button", name="Invia template").click()
    expect(inbox.locator("#messages")).to_contain_text("Ciao Paola, grazie per averci scelto")
    assert "/chats/" in inbox.url

    inbox.locator("#tab-templates").click()
    inbox.locator("#template-choice").select_option(label="benvenuto (it)")
    inbox.get_by_label("NAME").fill("Paola Verdi")
    expect(inbox.locator("#panel-templates .template-preview-box")).to_contain_text("Ciao Paola Verdi")
    inbox.locator("#template-send").click()
    expect(inbox.locator(".message.outbound.template").last).to_contain_text("Ciao Paola Verdi")
    expect(inbox.get_by_label("NAME")).to_have_value("")


# ---- Pages that hold their state and apply live events --------------------------------------------


def guide_box(page: Page, size: tuple[int, int] = (450, 600)) -> None:
    """The integration guide's own box for the frames (450x600), or a phone's width."""
    page.evaluate(
        "([w, h]) => document.querySelectorAll('iframe').forEach(f => { f.style.width = w + 'px';"
        " f.style.height = h + 'px'; })",
        list(size),
    )


# Each fix of the chat is seen in the guide's 450x600 frame and at 320 px, as a Chat Manager and a Chat Operator.
in_each_size = pytest.mark.parametrize(
    "size", [pytest.param((450, 600), id="450x600"), pytest.param((320, 600), id="320x600")]
)
as_each_role = pytest.mark.parametrize("who", ["manager", "operator"])
_numbers = iter(range(1000, 9000))


def customer_for(setup: Setup, who: str, name: str) -> tuple[str, str]:
    """A new customer's phone and chat uuid, the chat visible to `who` (assigned to the Chat Operator)
    before they write."""
    phone = f"+39340{next(_numbers):07d}"
    created = httpx.post(
        f"{setup.world.sportello_url}/api/1/contacts/",
        headers={"X-Spoki-Api-Key": setup.manager.api_key},
        json={"phone": phone, "first_name": name},
    )
    assert created.status_code == 201, created.text
    if who == "operator":
        assigned = httpx.post(
            f"{setup.world.sportello_url}/api/1/contacts/{created.json()['id']}/add_operator/",
            headers={"X-Spoki-Api-Key": setup.manager.api_key},
            json={"email": setup.operator.email},
        )
        assert assigned.status_code == 200, assigned.text
    return phone, str(created.json()["chat_uuid"])


def who_is(setup: Setup, who: str) -> Integration:
    return setup.manager if who == "manager" else setup.operator


def frame_json(frame: Any, path: str) -> Any:
    """A read with the frame's own session, as its page makes it."""
    return frame.evaluate(
        """async (path) => {
            const id = new URLSearchParams(location.search).get("frame");
            let secret = null;
            try { secret = sessionStorage.getItem("sportello.frame." + id); } catch {}
            secret = secret || decodeURIComponent(location.hash.slice("#s=".length));
            const answer = await fetch(path, { headers: { Authorization: "Bearer " + secret } });
            return answer.json();
        }""",
        path,
    )


def png(width: int, height: int) -> bytes:
    """A plain grey picture of the given size (a photo's place in the chat is its height)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_a_hundred_messages_at_twenty_a_second_all_reach_the_list_the_chat_and_the_host(
    setup: Setup, page: Page
) -> None:
    phone = "+393400000100"
    says(setup, phone, "Inizio", name="Stream Cliente")
    chat_uuid = chat_of(setup, phone)
    page.goto(
        setup.host_url(setup.iframe_url(setup.manager, "chats"), setup.iframe_url(setup.manager, f"chats/{chat_uuid}"))
    )
    guide_box(page)
    inbox, chat = frame_of(page, 0), frame_of(page, 1)
    expect(chat.locator("#messages")).to_contain_text("Inizio")
    expect(inbox.locator("#live-state")).to_have_attribute("data-state", "live")
    expect(chat.locator("#live-state")).to_have_attribute("data-state", "live")
    texts = [f"Messaggio {n:03d}" for n in range(100)]
    sent_at: list[float] = []
    with httpx.Client() as client:
        start = time.monotonic()
        for n, text in enumerate(texts):
            # A steady 20 a second, as a busy customer base gives them.
            time.sleep(max(0.0, start + n / 20 - time.monotonic()))
            sent_at.append(time.time() * 1000)
            answer = client.post(
                f"{setup.world.emulator_url}/_emulator/say",
                json={"from": phone, "name": "Stream Cliente", "text": text},
            )
            assert answer.status_code == 200, answer.text
    # The chat shows every one, in order; the list shows the last as the chat's newest.
    expect(chat.locator(".message.inbound .text")).to_have_count(101, timeout=20_000)
    # In the order Sportello stored them (webhooks sent together may be filed a few ms apart in
    # either order, as Meta's may): the chat's own history says which.
    shown = chat.locator(".message.inbound .text").all_inner_texts()
    stored = [m["text"] for m in frame_json(chat, f"/web/api/chats/{chat_uuid}/messages/?page_size=100")["results"]]
    assert sorted(shown) == sorted(["Inizio", *texts])
    assert shown[-100:] == stored[::-1]
    expect(inbox.locator(f'.chat-row[data-chat-uuid="{chat_uuid}"]')).to_contain_text(re.compile(r"Messaggio 09\d"))
    assert inbox.locator(".chat-row").first.get_attribute("data-chat-uuid") == chat_uuid
    # The host's last events hold every message, newest first, and the chat as it is.
    last = wait_event(page, "chatMessagesChanged", f"data.messages[0].text === '{stored[0]}'", frame=1)["data"]
    inbound = [m["text"] for m in last["messages"] if m["direction"] == "Inbound"]
    assert inbound[:100] == stored
    assert last["chat"]["last_message"]["text"] == stored[0]
    listed = wait_event(page, "chatsChanged", f"data.chats[0].last_message.text === '{stored[0]}'", frame=0)["data"]
    assert listed["chats"][0]["uuid"] == chat_uuid
    # And the host heard of each while they came, not once at the end: each message was in a
    # chatMessagesChanged, and in a chatsChanged as (or before) the chat's newest, within 1.5 s of its webhook.
    events = page.evaluate("window.received")
    place = {text: index for index, text in enumerate(stored[::-1])}
    for n, text in enumerate(texts):
        in_chat = [
            e["at"]
            for e in events
            if e["eventType"] == "chatMessagesChanged"
            and e["frame"] == 1
            and any(m["text"] == text for m in e["data"]["messages"])
        ]
        in_list = [
            e["at"]
            for e in events
            if e["eventType"] == "chatsChanged"
            and e["frame"] == 0
            and any(
                c["uuid"] == chat_uuid and place.get((c["last_message"] or {}).get("text", ""), -1) >= place[text]
                for c in e["data"]["chats"]
            )
        ]
        assert in_chat and min(in_chat) - sent_at[n] < 1500, (text, in_chat[:1], sent_at[n])
        assert in_list and min(in_list) - sent_at[n] < 1500, (text, in_list[:1], sent_at[n])


@in_each_size
@as_each_role
def test_a_reader_scrolled_up_keeps_their_place_while_messages_arrive(
    setup: Setup, page: Page, size: tuple[int, int], who: str
) -> None:
    phone, chat_uuid = customer_for(setup, who, "Lettore Attento")
    for index in range(25):
        says(setup, phone, f"Storia {index:02d} di una conversazione lunga", name="Lettore Attento")
    page.goto(setup.host_url(setup.iframe_url(who_is(setup, who), f"chats/{chat_uuid}")))
    guide_box(page, size)
    chat = frame_of(page)
    expect(chat.locator(".message.inbound")).to_have_count(25)
    # The reader goes up to the middle of the conversation and reads message 10.
    where = """() => {
        const scroller = document.querySelector('.scroller');
        const row = [...document.querySelectorAll('.message')].find(m => m.textContent.includes('Storia 10'));
        return row.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
    }"""
    chat.evaluate("""() => {
        const row = [...document.querySelectorAll('.message')].find(m => m.textContent.includes('Storia 10'));
        row.scrollIntoView({ block: 'center' });
    }""")
    page.wait_for_timeout(200)
    before = chat.evaluate(where)
    for index in range(10):
        says(setup, phone, f"Nuovo {index} mentre leggi", name="Lettore Attento")
    expect(chat.locator(".message.inbound")).to_have_count(35)
    expect(chat.locator("#jump-to-new")).to_be_visible()
    assert abs(chat.evaluate(where) - before) <= 2, "message 10 stays where the reader had it"
    chat.locator("#jump-to-new").click()
    expect(chat.locator(".message.inbound").last).to_be_in_viewport()
    # Back at the bottom, the next message keeps them at the newest.
    says(setup, phone, "E questo è l'ultimo", name="Lettore Attento")
    expect(chat.locator(".message.inbound").last).to_contain_text("ultimo")
    expect(chat.locator(".message.inbound").last).to_be_in_viewport()
    expect(chat.locator("#jump-to-new")).to_be_hidden()


@in_each_size
@as_each_role
def test_a_chat_with_a_photo_near_the_bottom_opens_at_its_newest_message(
    setup: Setup, page: Page, size: tuple[int, int], who: str
) -> None:
    phone, _ = customer_for(setup, who, "Foto Cliente")
    for index in range(12):
        says(setup, phone, f"Prima riga {index}", name="Foto Cliente")
    uploaded = httpx.post(
        f"{setup.world.emulator_url}/_emulator/customer_media",
        files={"file": ("vetrina.png", png(400, 300), "image/png")},
    )
    assert uploaded.status_code == 200, uploaded.text
    photo = {"from": phone, "type": "image", "media_id": uploaded.json()["media_id"], "caption": "La vetrina"}
    assert httpx.post(f"{setup.world.emulator_url}/_emulator/say", json=photo).status_code == 200
    says(setup, phone, "Ecco, è quella", name="Foto Cliente")
    chat_uuid = chat_of(setup, phone)

    def photo_ready() -> bool:
        answer = httpx.get(
            f"{setup.world.sportello_url}/api/1/chats/{chat_uuid}/messages/",
            headers={"X-Spoki-Api-Key": setup.manager.api_key},
        )
        files = [f for m in answer.json()["results"] for f in m.get("mediamessage_set") or []]
        return bool(files) and all(f["status"] == "ready" for f in files)

    wait_for(photo_ready)
    page.goto(setup.host_url(setup.iframe_url(who_is(setup, who), f"chats/{chat_uuid}")))
    guide_box(page, size)
    chat = frame_of(page)
    expect(chat.locator("img.media-image")).to_have_attribute("src", re.compile(r"^blob:"))
    chat.wait_for_function("document.querySelector('img.media-image').complete")
    page.wait_for_timeout(300)
    expect(chat.locator(".message.inbound").last).to_contain_text("è quella")
    expect(chat.locator(".message.inbound").last).to_be_in_viewport()
    assert (
        chat.evaluate(
            "(() => { const s = document.querySelector('.scroller');"
            " return s.scrollHeight - s.scrollTop - s.clientHeight; })()"
        )
        < 2
    )
    expect(chat.locator("#jump-to-new")).to_be_hidden()


@in_each_size
@as_each_role
def test_mark_as_unread_stays_while_the_chat_is_open(setup: Setup, page: Page, size: tuple[int, int], who: str) -> None:
    phone, chat_uuid = customer_for(setup, who, "Da Rileggere")
    says(setup, phone, "Ci penso e vi richiamo", name="Da Rileggere")
    page.goto(setup.host_url(setup.iframe_url(who_is(setup, who), f"chats/{chat_uuid}")))
    guide_box(page, size)
    chat = frame_of(page)
    expect(chat.locator("#messages")).to_contain_text("richiamo")
    chat.wait_for_function("true")
    wait_for(lambda: frame_json(chat, f"/web/api/chats/{chat_uuid}/")["unread_count"] == 0)
    chat.locator("#chat-menu").click()
    chat.locator("#mark-unread").click()
    expect(chat.locator("#chat-status")).to_contain_text("unread")
    wait_event(page, "chatMessagesChanged", "data.chat.unread_count > 0")
    wait_event(page, "hasUnreadChatsChanged", "data.hasUnreadChats")
    # A while later it is still unread: the open page did not read it again.
    page.wait_for_timeout(1500)
    assert frame_json(chat, f"/web/api/chats/{chat_uuid}/")["unread_count"] > 0
    assert received(page, "chatMessagesChanged")[-1]["data"]["chat"]["unread_count"] > 0
    assert received(page, "hasUnreadChatsChanged")[-1]["data"]["hasUnreadChats"] is True
    assert received(page, "hasUnreadChatsChanged")[-1]["data"]["unreadCount"] >= 1


@in_each_size
@as_each_role
def test_the_network_notice_goes_once_the_connection_is_back(
    setup: Setup, browser_context: Any, size: tuple[int, int], who: str
) -> None:
    phone, chat_uuid = customer_for(setup, who, "Rete Instabile")
    says(setup, phone, "Pronto?", name="Rete Instabile")
    page = browser_context.browser.new_context(viewport={"width": 900, "height": 700}).new_page()
    try:
        page.goto(setup.host_url(setup.iframe_url(who_is(setup, who), f"chats/{chat_uuid}")))
        guide_box(page, size)
        chat = frame_of(page)
        expect(chat.locator("#live-state")).to_have_attribute("data-state", "live")
        page.context.set_offline(True)
        chat.locator("#chat-menu").click()
        chat.locator("#mark-unread").click()
        expect(chat.locator("#chat-status")).to_contain_text("cannot be reached")
        page.context.set_offline(False)
        expect(chat.locator("#live-state")).to_have_attribute("data-state", "live", timeout=20_000)
        expect(chat.locator("#chat-status")).not_to_contain_text("cannot be reached")
    finally:
        page.context.close()


def test_one_customer_message_in_an_open_chat_tells_the_host_once(setup: Setup, page: Page) -> None:
    phone = "+393400000600"
    says(setup, phone, "Primo messaggio", name="Una Volta")
    chat_uuid = chat_of(setup, phone)
    page.goto(setup.host_url(setup.iframe_url(setup.manager, f"chats/{chat_uuid}")))
    guide_box(page)
    chat = frame_of(page)
    expect(chat.locator("#messages")).to_contain_text("Primo messaggio")
    wait_for(lambda: frame_json(chat, f"/web/api/chats/{chat_uuid}/")["unread_count"] == 0)
    page.wait_for_timeout(1000)
    changes, unread = len(received(page, "chatMessagesChanged")), len(received(page, "hasUnreadChatsChanged"))
    says(setup, phone, "Secondo messaggio", name="Una Volta")
    expect(chat.locator("#messages")).to_contain_text("Secondo messaggio")
    page.wait_for_timeout(1500)
    told = received(page, "chatMessagesChanged")[changes:]
    assert len(told) == 1, [e["data"]["chat"]["unread_count"] for e in told]
    assert told[0]["data"]["messages"][0]["text"] == "Secondo messaggio"
    assert told[0]["data"]["chat"]["unread_count"] == 0
    # The chat was read before and is read after: the host hears nothing about unread.
    assert len(received(page, "hasUnreadChatsChanged")) == unread
