"""The contact panel, template fields filled from the contact, and new-message alerts, in Debian's
Chromium against real servers and the emulator; in the guide's 450x600 frame and at 320 px, as a
Chat Manager and as a Chat Operator. The panel edits name, email, language, tags (a new one and one
the account has) and the team's note, says a wrong field in the agent's language, shows the chat's
payment requests, and the chat list then filters by the new tag. In the full app the agent who
turns the bell on hears a chime and sees a desktop notification for each new message in a chat
they may see, not for the one they have in front of them; inside a frame the host decides, from
`hasUnreadChatsChanged`'s `unreadCount`."""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.browser import chromium, frame_of, host_app
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.sessions import PASSWORD, open_frame, sign_in_person
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title>
<style>body { margin: 8px; } iframe { border: 1px solid #ccc; vertical-align: top; }</style></head>
<body><div id="frames"></div><script src="/host.js"></script></body></html>"""
HOST_JS = """
window.received = [];
const frames = JSON.parse(new URLSearchParams(location.search).get("frames") || "[]");
frames.forEach(([src, width, height], index) => {
  const frame = document.createElement("iframe");
  Object.assign(frame, { name: "frame" + index, src, width, height });
  document.getElementById("frames").appendChild(frame);
});
window.addEventListener("message", (event) => {
  window.received.push({ eventType: event.data.eventType, data: event.data.data });
});
"""
# What the browser was asked to show and play, recorded around its own APIs (not around our code):
# each desktop notification made, and each tone started.
RECORD_ALERTS = """
window.alerts = [];
window.tones = 0;
const Real = window.Notification;
if (Real) {
  window.Notification = class extends Real {
    constructor(title, options = {}) {
      super(title, options);
      window.alerts.push({ title, body: options.body, tag: options.tag });
    }
  };
  Object.defineProperty(window.Notification, "permission", { get: () => Real.permission });
  window.Notification.requestPermission = (...args) => Real.requestPermission(...args);
}
if (window.OscillatorNode) {
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) { window.tones += 1; return start.apply(this, args); };
}
"""

SCREENSHOTS = Path(os.environ["SPORTELLO_SCREENSHOTS"]) if os.environ.get("SPORTELLO_SCREENSHOTS") else None
SIZES = [(450, 600), (320, 600)]
ROLES = ["manager", "operator"]
# One language per case, so the three are each seen.
CASES = [
    pytest.param(size, who, language, id=f"{who}-{size[0]}-{language}")
    for (size, who), language in zip(itertools.product(SIZES, ROLES), ["en", "it", "es", "en"], strict=True)
]
_phones = itertools.count(1)

TEXTS = {
    "en": {"saved": "Contact saved.", "bad_email": "This is not a valid email address"},
    "it": {"saved": "Contatto salvato.", "bad_email": "Questo non è un indirizzo email valido"},
    "es": {"saved": "Contacto guardado.", "bad_email": "Esta no es una dirección de correo válida"},
}


class Setup:
    def __init__(self, world: World, host: str, manager: Integration, operator: Integration) -> None:
        self.world, self.host, self.manager, self.operator = world, host, manager, operator
        self.api = httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": manager.api_key})

    def who(self, name: str) -> Integration:
        return self.manager if name == "manager" else self.operator

    def frame(self, who: Integration, slug: str, language: str) -> str:
        minted = httpx.post(
            f"{self.world.sportello_url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": who.api_key},
            json={"email": who.email, "private_key": who.private_key},
        )
        assert minted.status_code == 200, minted.text
        token = minted.json()
        return (
            f"{self.world.sportello_url}/{slug}?auth_token={token['token']}&auth_uid={token['uid']}&language={language}"
        )

    def host_url(self, *frames: tuple[str, int, int]) -> str:
        return f"{self.host}/?frames={quote(json.dumps(list(frames)))}"

    def says(self, phone: str, text: str, name: str = "Giulia Rossi") -> None:
        answer = httpx.post(
            f"{self.world.emulator_url}/_emulator/say", json={"from": phone, "name": name, "text": text}
        )
        assert answer.status_code == 200, answer.text

    def contact(self, phone: str) -> dict[str, Any]:
        def found() -> list[dict[str, Any]]:
            results: list[dict[str, Any]] = self.api.get("/api/1/contacts/", params={"search": phone}).json()["results"]
            return results

        return dict(wait_for(found)[0])

    def customer_for(self, who: str, name: str = "Giulia Rossi", email: str = "") -> tuple[str, dict[str, Any]]:
        """A customer who wrote, in a chat `who` may see (a Chat Operator's is assigned to them, or to `email`)."""
        phone = f"+39335{next(_phones):07d}"
        self.says(phone, "Buongiorno, vorrei un'informazione", name=name)
        contact = self.contact(phone)
        if who == "operator":
            self.assign(contact, email or self.operator.email)
        return phone, contact

    def assign(self, contact: dict[str, Any], email: str) -> None:
        assigned = self.api.post(f"/api/1/contacts/{contact['id']}/add_operator/", json={"email": email})
        assert assigned.status_code == 200, assigned.text

    def review_pending(self) -> None:
        for template in httpx.get(f"{self.world.emulator_url}/_emulator/templates").json():
            if template["status"] == "PENDING":
                answer = httpx.post(
                    f"{self.world.emulator_url}/_emulator/templates/{template['id']}/review",
                    json={"decision": "approve", "reason": ""},
                )
                assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("contact-panel")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    with running_world(settings, template_review_seconds=600, read_without_delivered_probability=0.0) as world:
        manager = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        operator = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Operator", allowed_origins=[host]
        )
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            ready = Setup(world, host, manager, operator)
            owner = sign_in_person(world.sportello_url, "owner@shop.example.com")
            try:
                template = owner.post(
                    "/web/api/templates/",
                    json={
                        "name": "contact_check",
                        "language": "en",
                        "category": "UTILITY",
                        "content": {
                            "body": "Hello %%NAME%%, we will write to %%EMAIL%% and call %%TELEFONO%% about"
                            " %%SHOP_NAME%% today.",
                            "examples": {
                                "NAME": "Giulia",
                                "EMAIL": "giulia@example.com",
                                "TELEFONO": "+39 333 123 4567",
                                "SHOP_NAME": "Via Roma",
                            },
                        },
                    },
                )
                assert template.status_code == 201, template.text
                assert owner.post(f"/web/api/templates/{template.json()['id']}/submit/").status_code == 200
                enabled = owner.put(
                    "/web/api/paypal/", json={"email": "cassa@shop.example.com", "default_currency": "EUR"}
                )
                assert enabled.status_code == 200, enabled.text
                wait_for(lambda: len(httpx.get(f"{world.emulator_url}/_emulator/templates").json()) >= 4)
                ready.review_pending()
                wait_for(
                    lambda: all(t["status"] == "approved" for t in owner.get("/web/api/templates/").json()["results"])
                )
                # People who sign in with a password, for the full app.
                for email, role in (
                    ("manager@shop.example.com", "Chat Manager"),
                    ("op@shop.example.com", "Chat Operator"),
                ):
                    added = owner.post(
                        "/web/api/users/", json={"email": email, "name": role, "role": role, "password": PASSWORD}
                    )
                    assert added.status_code == 201, added.text
            finally:
                owner.close()
            # A tag the account already has, for picking.
            synced = ready.api.post("/api/1/contacts/sync/", json={"phone": "+393390000000", "tags": ["fedele"]})
            assert synced.status_code in (200, 201), synced.text
            try:
                yield ready
            finally:
                ready.api.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 720}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    """Pictures of the frame (SPORTELLO_SCREENSHOTS=folder)."""
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("iframe").first.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def inside(frame: Frame, selector: str) -> bool:
    """Wholly in the frame's box, once scrolled to."""
    frame.locator(selector).scroll_into_view_if_needed()
    box: dict[str, float] = frame.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; }",
        selector,
    )
    width, height = frame.evaluate("[innerWidth, innerHeight]")
    return bool(box["top"] >= 0 and box["left"] >= 0 and box["bottom"] <= height and box["right"] <= width)


def payment_request(setup: Setup, chat_uuid: str) -> None:
    templates = setup.api.get("/api/1/templates/", params={"search": "paypal"}).json()["results"]
    template = next(t for t in templates if t["language"] == "en" and t["status"] == "approved")
    with open_frame(setup.world.sportello_url, setup.manager) as frame:
        asked = frame.post(
            f"/web/api/chats/{chat_uuid}/payment_requests/",
            json={"template": template["id"], "amount": "12.50", "currency": "EUR", "description": "Giacca blu"},
        )
        assert asked.status_code == 201, asked.text


@pytest.mark.parametrize(("size", "who", "language"), CASES)
def test_the_contact_panel_edits_the_customer_and_the_list_then_filters_by_the_new_tag(
    setup: Setup, page: Page, size: tuple[int, int], who: str, language: str
) -> None:
    phone, contact = setup.customer_for(who)
    payment_request(setup, contact["chat_uuid"])
    texts = TEXTS[language]
    page.goto(setup.host_url((setup.frame(setup.who(who), f"chats/{contact['chat_uuid']}", language), *size)))
    chat = frame_of(page)
    expect(chat.locator("#reply")).to_be_focused()
    chat.locator("#chat-menu").click()
    chat.locator("#toggle-contact").click()
    panel = chat.locator("#contact-panel")
    expect(panel).to_be_visible()
    expect(chat.locator("#contact-first-name")).to_have_value("Giulia Rossi")
    expect(panel).to_contain_text(phone)
    # The chat's payment request, with the plural rules of the page's language.
    expect(panel.locator(".payment-card")).to_have_count(1)
    expect(panel.locator(".payment-card")).to_contain_text("12")
    expect(panel.locator(".payment-card")).to_contain_text("Giacca blu")
    assert chat.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    chat.locator("#contact-first-name").fill("Giulia")
    chat.locator("#contact-last-name").fill("Rossi-Bianchi")
    chat.locator("#contact-email").fill("giulia@")
    chat.locator("#contact-language").select_option("it")
    tag = f"vip-{who}-{size[0]}"
    chat.locator("#contact-new-tag").fill(tag)
    chat.locator("#contact-new-tag").press("Enter")
    chat.locator("#contact-new-tag").fill("fedele")
    chat.locator("#contact-add-tag").click()
    expect(chat.locator("#contact-tags li")).to_have_count(2)
    # A tag picked by mistake goes with its named button.
    chat.locator("#contact-new-tag").fill("sbagliato")
    chat.locator("#contact-new-tag").press("Enter")
    chat.get_by_role("button", name="sbagliato").click()
    expect(chat.locator("#contact-tags li")).to_have_count(2)
    chat.locator("#contact-note").fill("Preferisce essere chiamata dopo le 18.")
    shot(page, f"chat-contact-{size[0]}x{size[1]}-{who}")
    assert inside(chat, "#contact-save")
    chat.locator("#contact-save").click()
    # A wrong email is said in the agent's language, and nothing is saved.
    expect(chat.locator("#contact-error")).to_contain_text(texts["bad_email"])
    expect(chat.locator("#contact-email")).to_be_focused()
    assert "note" not in setup.api.get(f"/api/1/contacts/{contact['id']}/").json()
    assert setup.api.get(f"/api/1/contacts/{contact['id']}/").json()["last_name"] == ""

    chat.locator("#contact-email").fill("Giulia@Example.com")
    chat.locator("#contact-save").click()
    expect(chat.locator("#chat-status")).to_have_text(texts["saved"])
    expect(chat.locator("#contact-error")).to_be_empty()
    expect(chat.locator("#page-title")).to_have_text("Giulia Rossi-Bianchi")
    saved = setup.api.get(f"/api/1/contacts/{contact['id']}/").json()
    assert (saved["first_name"], saved["last_name"], saved["email"], saved["language"]) == (
        "Giulia",
        "Rossi-Bianchi",
        "giulia@example.com",
        "it",
    )
    assert sorted(saved["tag_set"]) == sorted([tag, "fedele"]) and "note" not in saved
    # The toast never covers the composer.
    status_box = chat.locator("#chat-status").bounding_box()
    composer_box = chat.locator(".composer").bounding_box()
    assert status_box and composer_box and status_box["y"] + status_box["height"] <= composer_box["y"]
    # The note is there when the panel opens again, after a reload.
    chat.goto(chat.url)  # the frame's own address: its session stays (in the frame's storage)
    chat.locator("#chat-menu").click()
    chat.locator("#toggle-contact").click()
    expect(chat.locator("#contact-note")).to_have_value("Preferisce essere chiamata dopo le 18.")
    expect(chat.locator("#contact-language")).to_have_value("it")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    # The chat list's filter by tag now offers the new tag and finds this chat by it.
    chat.locator("#back-to-list").click()
    expect(chat.locator("#chat-tag")).to_be_visible()
    chat.locator("#chat-tag").select_option(tag)
    expect(chat.locator(".chat-row")).to_have_count(1)
    expect(chat.locator(".chat-row").first).to_have_attribute("data-chat-uuid", contact["chat_uuid"])
    expect(chat.locator(".chat-row .tag", has_text=f"#{tag}")).to_be_visible()
    assert chat.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize(("size", "who", "language"), CASES)
def test_a_templates_fields_are_filled_from_the_contact_and_stay_editable(
    setup: Setup, page: Page, size: tuple[int, int], who: str, language: str
) -> None:
    phone, contact = setup.customer_for(who, name="Paola")
    with open_frame(setup.world.sportello_url, setup.manager) as frame:
        changed = frame.patch(
            f"/web/api/chats/{contact['chat_uuid']}/contact/", json={"email": "paola@example.com", "last_name": "Verdi"}
        )
        assert changed.status_code == 200, changed.text
    page.goto(setup.host_url((setup.frame(setup.who(who), f"chats/{contact['chat_uuid']}", language), *size)))
    chat = frame_of(page)
    chat.locator("#tab-templates").click()
    chat.locator("#template-choice").select_option(label="contact_check (en)")
    expect(chat.locator("#field-NAME")).to_have_value("Paola")
    expect(chat.locator("#field-EMAIL")).to_have_value("paola@example.com")
    expect(chat.locator("#field-TELEFONO")).to_have_value(phone)
    # A shop's name is not the customer's: left for the agent.
    expect(chat.locator("#field-SHOP_NAME")).to_have_value("")
    preview = chat.locator("#panel-templates .template-preview-box")
    expect(preview).to_contain_text(f"Hello Paola, we will write to paola@example.com and call {phone}")
    chat.locator("#field-NAME").fill("Paola Verdi")
    chat.locator("#field-SHOP_NAME").fill("Via Roma")
    expect(preview).to_contain_text("Hello Paola Verdi,")
    assert chat.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    chat.locator("#template-send").click()
    expect(chat.locator(".message.outbound.template").last).to_contain_text(
        f"Hello Paola Verdi, we will write to paola@example.com and call {phone} about Via Roma today."
    )
    # The next template starts from the contact again.
    expect(chat.locator("#field-NAME")).to_have_value("Paola")


def alerted(page: Page, text: str) -> None:
    """Waits for a desktop notification of this message (the app's CSP allows no evaluated waits)."""
    wait_for(lambda: any(a["body"] == text for a in page.evaluate("window.alerts")))


def sign_in_the_browser(page: Page, base_url: str, email: str, path: str) -> None:
    page.goto(f"{base_url}/login?next={path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("size", SIZES, ids=["450", "320"])
@pytest.mark.parametrize("who", ROLES)
def test_the_full_app_chimes_and_notifies_of_a_new_message_once_the_agent_turns_it_on(
    setup: Setup, browser: Browser, size: tuple[int, int], who: str
) -> None:
    email = "manager@shop.example.com" if who == "manager" else "op@shop.example.com"
    origin = setup.world.sportello_url
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-US")
    context.set_default_timeout(15_000)
    context.grant_permissions(["notifications"], origin=origin)
    context.add_init_script(RECORD_ALERTS)
    try:
        page = context.new_page()
        sign_in_the_browser(page, origin, email, "/chats")
        bell = page.locator("#notify-toggle")
        expect(bell).to_have_attribute("aria-pressed", "false")
        expect(bell).to_have_attribute("aria-label", "Sound and desktop notifications for new messages")
        # Off: nothing.
        phone, contact = setup.customer_for("manager", name="Senza Avviso")
        if who == "operator":
            setup.assign(contact, email)
        setup.says(phone, "Nessuno mi sente?", name="Senza Avviso")
        expect(page.locator(".chat-row").first).to_contain_text("Senza Avviso")
        page.wait_for_timeout(500)
        assert page.evaluate("window.alerts") == [] and page.evaluate("window.tones") == 0

        bell.click()
        expect(bell).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#notify-status")).to_contain_text("Notifications are on")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        # A chat the agent may not see (an operator's colleague's) is not news to them.
        other_phone, other = setup.customer_for("manager", name="Di Un Collega")
        if who == "operator":
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                colleague = pool.submit(
                    add_service_user_with_key,
                    setup.world.settings,
                    setup.world.account_id,
                    role=Role.CHAT_OPERATOR,
                    name=f"Collega {size[0]}",
                ).result()
            setup.assign(other, colleague.email)
        setup.says(other_phone, "Scrivo al collega", name="Di Un Collega")
        setup.says(phone, "Ora mi sentite?", name="Senza Avviso")
        alerted(page, "Ora mi sentite?")
        page.wait_for_timeout(500)
        alerts = page.evaluate("window.alerts")
        bodies = [a["body"] for a in alerts]
        assert bodies.count("Ora mi sentite?") == 1
        assert next(a for a in alerts if a["body"] == "Ora mi sentite?")["title"] == "New message from Senza Avviso"
        assert ("Scrivo al collega" in bodies) is (who == "manager")
        assert page.evaluate("window.tones") == len(alerts)

        # The choice is kept on the server: another page load has it on.
        page.goto(f"{origin}/chats/{contact['chat_uuid']}")
        expect(page.locator("#notify-toggle")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#reply")).to_be_focused()
        assert page.evaluate("document.hasFocus()")
        # The chat in front of the agent: no alert for it, in this tab nor in another tab of theirs (the
        # chat list); another chat's message still alerts, once across the two tabs.
        other_tab = context.new_page()
        other_tab.goto(f"{origin}/chats")
        expect(other_tab.locator("#live-state")).to_have_attribute("data-state", "live")
        page.bring_to_front()
        page.locator("#reply").focus()
        wait_for(lambda: page.evaluate("document.hasFocus()"))
        setup.says(phone, "Sono nella chat aperta", name="Senza Avviso")
        expect(page.locator(".message.inbound").last).to_contain_text("Sono nella chat aperta")
        expect(other_tab.locator(".chat-row").first).to_contain_text("Sono nella chat aperta")
        third_phone, _ = setup.customer_for(who, name="Terza Cliente", email=email)
        setup.says(third_phone, "E io?", name="Terza Cliente")
        wait_for(lambda: any(a["body"] == "E io?" for tab in (page, other_tab) for a in tab.evaluate("window.alerts")))
        page.wait_for_timeout(500)
        both = [a["body"] for tab in (page, other_tab) for a in tab.evaluate("window.alerts")]
        assert "Sono nella chat aperta" not in both and both.count("E io?") == 1, both
        other_tab.close()

        # Off again: no more alerts.
        page.locator("#notify-toggle").click()
        expect(page.locator("#notify-toggle")).to_have_attribute("aria-pressed", "false")
        count = len(page.evaluate("window.alerts"))
        setup.says(third_phone, "Ancora io", name="Terza Cliente")
        page.wait_for_timeout(1500)
        assert len(page.evaluate("window.alerts")) == count
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES, ids=["450", "320"])
@pytest.mark.parametrize("who", ROLES)
def test_inside_a_frame_the_host_hears_the_unread_count_and_the_frame_never_notifies(
    setup: Setup, browser: Browser, size: tuple[int, int], who: str
) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 700}, locale="en-US")
    context.set_default_timeout(15_000)
    context.grant_permissions(["notifications"], origin=setup.world.sportello_url)
    context.add_init_script(RECORD_ALERTS)
    try:
        page = context.new_page()
        page.goto(setup.host_url((setup.frame(setup.who(who), "chats", "en"), *size)))
        inbox = frame_of(page)
        expect(inbox.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(inbox.locator("#notify-toggle")).to_have_count(0)
        page.wait_for_function("window.received.some(e => e.eventType === 'hasUnreadChatsChanged')")
        before = page.evaluate("window.received.filter(e => e.eventType === 'hasUnreadChatsChanged').at(-1).data")
        assert before["hasUnreadChats"] is (before["unreadCount"] > 0)
        with open_frame(setup.world.sportello_url, setup.who(who)) as api:
            assert before["unreadCount"] == api.get("/web/api/chats/unread/").json()["unread_chats"]
        setup.customer_for(who, name="Nuova Nel Frame")
        page.wait_for_function(
            "(n) => window.received.some(e => e.eventType === 'hasUnreadChatsChanged' && e.data.unreadCount === n)",
            arg=before["unreadCount"] + 1,
        )
        last = page.evaluate("window.received.filter(e => e.eventType === 'hasUnreadChatsChanged').at(-1).data")
        assert last == {"hasUnreadChats": True, "unreadCount": before["unreadCount"] + 1}
        inbox.wait_for_timeout(300)
        assert inbox.evaluate("window.alerts") == [] and inbox.evaluate("window.tones") == 0
    finally:
        context.close()
