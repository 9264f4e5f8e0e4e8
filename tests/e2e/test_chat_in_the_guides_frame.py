"""The chat designed for the guide's 450x600 iframe, in Debian's Chromium against real servers and
the emulator: one compact header row with the actions in a menu, a footer that never pushes Send
out of the frame, short toasts that never cover the composer, nothing cut off at 320 px; the focus
in the composer on opening, every action reachable by keyboard with visible focus, names on icon
buttons, new messages announced politely; the window banner of a chat the business started; a
Chat Operator with nothing assigned; icons drawn as SVG; plurals per language; a rejected template
edited and submitted again; the full app's chat fitting its window."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Frame, Page, expect

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.browser import chromium, frame_of, host_app
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.sessions import open_frame, sign_in_person
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ["SPORTELLO_SCREENSHOTS"]) if os.environ.get("SPORTELLO_SCREENSHOTS") else None
# Emoji a page might draw as icons (pictographs, dingbats, arrows, clocks…): none may be in its text.
EMOJI = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\U0001f000-\U0001faff]")

HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title>
<style>body { margin: 8px; } iframe { border: 1px solid #ccc; vertical-align: top; }</style></head>
<body><div id="frames"></div><script src="/host.js"></script></body></html>"""
HOST_JS = """
const frames = JSON.parse(new URLSearchParams(location.search).get("frames") || "[]");
frames.forEach(([src, width, height], index) => {
  const frame = document.createElement("iframe");
  Object.assign(frame, { name: "frame" + index, src, width, height });
  document.getElementById("frames").appendChild(frame);
});
"""


@contextmanager
def the_owner(world: World) -> Iterator[httpx.Client]:
    """The account's Owner, signed in with the login form (a person's session)."""
    owner = sign_in_person(world.sportello_url, "owner@shop.example.com")
    try:
        yield owner
    finally:
        owner.close()


class Setup:
    def __init__(self, world: World, host: str, manager: Integration, operator: Integration) -> None:
        self.world, self.host, self.manager, self.operator = world, host, manager, operator
        self.api = httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": manager.api_key})

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
        body = {"from": phone, "name": name, "text": text}
        answer = httpx.post(f"{self.world.emulator_url}/_emulator/say", json=body)
        assert answer.status_code == 200, answer.text

    def contact(self, phone: str) -> dict[str, Any]:
        def found() -> list[dict[str, Any]]:
            results: list[dict[str, Any]] = self.api.get("/api/1/contacts/", params={"search": phone}).json()["results"]
            return results

        return dict(wait_for(found)[0])

    def review_pending(self, decision: str = "approve", reason: str = "INVALID_FORMAT") -> None:
        """Meta's review, decided by the test: every template waiting for it."""
        for template in httpx.get(f"{self.world.emulator_url}/_emulator/templates").json():
            if template["status"] == "PENDING":
                answer = httpx.post(
                    f"{self.world.emulator_url}/_emulator/templates/{template['id']}/review",
                    json={"decision": decision, "reason": reason},
                )
                assert answer.status_code == 200, answer.text

    def approved_template(self, name: str) -> int:
        with the_owner(self.world) as owner:
            created = owner.post(
                "/web/api/templates/",
                json={
                    "name": name,
                    "language": "en",
                    "category": "UTILITY",
                    "content": {
                        "header": "Order %%ORDER%%",
                        "body": "Hello %%NAME%%, your order %%ORDER%% is ready at %%SHOP%% from %%WHEN%% today.",
                        "footer": "Demo Shop",
                        "examples": {"NAME": "Giulia", "ORDER": "A-1", "SHOP": "Via Roma", "WHEN": "10:00"},
                    },
                },
            )
            assert created.status_code == 201, created.text
            template_id = int(created.json()["id"])
            assert owner.post(f"/web/api/templates/{template_id}/submit/").status_code == 200
            self.review_pending()
            wait_for(
                lambda: any(
                    t["id"] == template_id and t["status"] == "approved"
                    for t in owner.get("/web/api/templates/").json()["results"]
                )
            )
        return template_id


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("guides-frame")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    # Meta's review is decided by the test, so a rejection is seen before a new review starts.
    with running_world(settings, template_review_seconds=600, read_without_delivered_probability=0.0) as world:
        manager = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        operator = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Operator", allowed_origins=[host]
        )
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            ready = Setup(world, host, manager, operator)
            ready.approved_template("order_ready")
            with the_owner(world) as owner:
                paypal = {"email": "cassa@shop.example.com", "default_currency": "EUR"}
                enabled = owner.put("/web/api/paypal/", json=paypal)
                assert enabled.status_code == 200, enabled.text
                wait_for(lambda: httpx.get(f"{world.emulator_url}/_emulator/templates").json())
                ready.review_pending()
            try:
                yield ready
            finally:
                ready.api.close()


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 700}, locale="en-US")
        context.set_default_timeout(15_000)
        yield context
        context.close()


def shot(page: Page, language: str, name: str) -> None:
    """Pictures of the chat in the host's frame, in English (SPORTELLO_SCREENSHOTS=folder)."""
    if SCREENSHOTS is not None and language == "en":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("iframe").first.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def rect(frame: Frame, selector: str) -> dict[str, float]:
    box: dict[str, float] = frame.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height, width: r.width }; }",
        selector,
    )
    return box


def inside_the_frame(frame: Frame, selector: str) -> bool:
    box, height = rect(frame, selector), frame.evaluate("innerHeight")
    return bool(box["top"] >= 0 and box["bottom"] <= height and box["height"] > 0)


def unnamed_controls(frame: Frame) -> list[str]:
    """Visible buttons, links and tabs a screen reader could not name."""
    names: list[str] = frame.evaluate(
        """() => [...document.querySelectorAll("button, a[href], [role=tab], label.attach")]
            .filter((e) => e.getClientRects().length)
            .filter((e) => !(e.getAttribute("aria-label") || e.textContent.trim()))
            .map((e) => e.outerHTML.slice(0, 80))"""
    )
    return names


# Each fix is seen in the guide's 450x600 frame and at 320 px, as a Chat Manager and as a Chat Operator.
SIZES = [pytest.param((450, 600), id="450x600"), pytest.param((320, 600), id="320x600")]
ROLES = ["manager", "operator"]
in_each_size = pytest.mark.parametrize("size", SIZES)
as_each_role = pytest.mark.parametrize("who", ROLES)
_numbers = iter(range(100, 1000))


def a_customer(
    setup: Setup, who: str, text: str = "Buongiorno", name: str = "Giulia Rossi"
) -> tuple[str, dict[str, Any]]:
    """A new customer who wrote, in a chat `who` may see (a Chat Operator's is assigned to them)."""
    phone = f"+39333{next(_numbers):07d}"
    setup.says(phone, text, name)
    contact = setup.contact(phone)
    if who == "operator":
        assigned = setup.api.post(
            f"/api/1/contacts/{contact['id']}/add_operator/", json={"email": setup.operator.email}
        )
        assert assigned.status_code == 200, assigned.text
    return phone, contact


def as_who(setup: Setup, who: str) -> Integration:
    return setup.manager if who == "manager" else setup.operator


TEXTS = {
    "en": {
        "actions": "Chat actions",
        "open": "You can reply freely",
        "sent": "Template sent.",
        "new": "New message from",
    },
    "it": {
        "actions": "Azioni della chat",
        "open": "Puoi rispondere liberamente",
        "sent": "Template inviato.",
        "new": "Nuovo messaggio da",
    },
    "es": {
        "actions": "Acciones del chat",
        "open": "Puedes responder libremente",
        "sent": "Plantilla enviada.",
        "new": "Nuevo mensaje de",
    },
}


@pytest.mark.parametrize(
    ("who", "language", "phone"),
    [("manager", "en", "+393330000001"), ("operator", "it", "+393330000002"), ("manager", "es", "+393330000003")],
)
def test_the_chat_fits_the_guides_450x600_frame_and_320_pixels(
    setup: Setup, page: Page, who: str, language: str, phone: str
) -> None:
    for index in range(8):
        setup.says(phone, f"Messaggio {index}: una domanda sulla giacca blu in taglia M")
    contact = setup.contact(phone)
    user = setup.manager if who == "manager" else setup.operator
    if who == "operator":
        assigned = setup.api.post(f"/api/1/contacts/{contact['id']}/add_operator/", json={"email": user.email})
        assert assigned.status_code == 200, assigned.text
    page.goto(setup.host_url((setup.frame(user, f"chats/{contact['chat_uuid']}", language), 450, 600)))
    chat = frame_of(page)
    expect(chat.locator(".message.inbound")).to_have_count(8)
    texts = TEXTS[language]

    # Opening the chat puts the focus in the composer.
    expect(chat.locator("#reply")).to_be_focused()
    # One compact header row; the actions behind a named menu button.
    assert rect(chat, ".chat-head")["height"] <= 56
    expect(chat.locator("#window-state")).to_contain_text(texts["open"])
    menu = chat.locator("#chat-menu")
    expect(menu).to_have_attribute("aria-label", texts["actions"])
    expect(chat.locator("#mark-unread")).to_be_hidden()
    menu.click()
    expect(chat.locator("#chat-actions")).to_be_visible()
    expect(chat.locator("#assign")).to_be_focused()
    expect(chat.locator("#mark-unread")).to_be_visible()
    expect(chat.locator("#toggle-contact")).to_be_visible()
    assert inside_the_frame(chat, "#chat-actions")
    shot(page, language, "chat-menu-450x600")
    chat.locator("#assign").press("Escape")
    expect(chat.locator("#chat-actions")).to_be_hidden()
    expect(menu).to_be_focused()
    assert unnamed_controls(chat) == []
    assert not EMOJI.search(chat.locator("body").inner_text())

    # The Templates tab with a tall form: the footer stops at half the frame, Send stays in sight.
    chat.locator("#tab-templates").click()
    expect(chat.locator("#template-send")).to_be_visible()
    chat.locator("#template-choice").select_option(label="order_ready (en)")
    assert inside_the_frame(chat, "#template-send")
    assert rect(chat, ".composer")["height"] <= 300 + 1
    assert rect(chat, ".scroller")["height"] >= 150, "the conversation keeps room"
    for code, value in {"ORDER": "A-7", "NAME": "Giulia", "SHOP": "Via Roma", "WHEN": "11:00"}.items():
        chat.locator(f"#field-{code}").fill(value)
    assert inside_the_frame(chat, "#template-send")
    shot(page, language, "chat-templates-450x600")
    chat.locator("#template-send").click()
    # The confirmation is a short toast over the conversation, never over the composer.
    toast = chat.locator("#chat-status")
    expect(toast).to_have_text(texts["sent"])
    assert rect(chat, "#chat-status")["bottom"] <= rect(chat, ".composer")["top"]
    expect(toast).to_be_hidden(timeout=6_000)

    # The PayPal tab (for a Chat Operator too): payment templates in the page's language first, Send in sight.
    chat.locator("#tab-paypal").click()
    expect(chat.locator("#paypal-template option").first).to_have_text(f"paypal_payment_request ({language})")
    assert inside_the_frame(chat, "#paypal-send")

    # A customer's new message is announced politely.
    expect(chat.locator("#announcer")).to_have_attribute("aria-live", "polite")
    setup.says(phone, "E avete anche il rosso?")
    expect(chat.locator("#announcer")).to_have_text(f"{texts['new']} Giulia Rossi: E avete anche il rosso?")
    shot(page, language, "chat-450x600")

    # 320 px wide: nothing cut off, the header still one row, Send still in sight.
    page.evaluate("document.querySelector('iframe').width = 320")
    chat.wait_for_function("() => innerWidth === 320")
    assert chat.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert rect(chat, ".chat-head")["height"] <= 56
    assert inside_the_frame(chat, "#paypal-send")
    chat.locator("#tab-reply").click()
    assert inside_the_frame(chat, "#reply-send")
    shot(page, language, "chat-320x600")


@in_each_size
@as_each_role
def test_every_chat_action_is_reached_by_keyboard_with_visible_focus(
    setup: Setup, page: Page, size: tuple[int, int], who: str
) -> None:
    phone, contact = a_customer(setup, who)
    page.goto(setup.host_url((setup.frame(as_who(setup, who), f"chats/{contact['chat_uuid']}", "en"), *size)))
    chat = frame_of(page)
    # Opening the chat puts the focus in the composer; icon buttons have names.
    expect(chat.locator("#reply")).to_be_focused()
    assert unnamed_controls(chat) == []
    reached = []
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        reached.append(chat.evaluate("document.activeElement.id"))
        if reached[-1] == "chat-menu":
            break
    assert reached[-1] == "chat-menu", reached
    # The focus is seen: the ring of :focus-visible.
    assert chat.evaluate(
        "(() => { const e = document.activeElement; return e.matches(':focus-visible') &&"
        " getComputedStyle(e).outlineStyle !== 'none' && parseFloat(getComputedStyle(e).outlineWidth) >= 2; })()"
    )
    page.keyboard.press("Enter")
    expect(chat.locator("#assign")).to_be_focused()
    page.keyboard.press("Tab")
    expect(chat.locator("#search-in-chat")).to_be_focused()
    page.keyboard.press("Tab")
    expect(chat.locator("#mark-unread")).to_be_focused()
    page.keyboard.press("Tab")
    expect(chat.locator("#toggle-contact")).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.locator("#contact-panel")).to_be_visible()
    expect(chat.locator("#contact-panel")).to_contain_text(phone)
    assert inside_the_frame(chat, "#close-contact")
    shot(page, "en", f"chat-contact-{size[0]}x{size[1]}-{who}")
    page.keyboard.press("Escape")
    expect(chat.locator("#contact-panel")).to_be_hidden()
    expect(chat.locator("#chat-menu")).to_be_focused()
    # With the mouse: the panel has its own named close button.
    chat.locator("#chat-menu").click()
    chat.locator("#toggle-contact").click()
    chat.locator("#contact-panel").get_by_role("button", name="Close").click()
    expect(chat.locator("#contact-panel")).to_be_hidden()


NEVER = {
    "en": ("The customer has not written yet: only templates can be sent until they answer.", "You can reply freely"),
    "it": (
        "Il cliente non ha ancora scritto: finché non risponde si possono inviare solo template.",
        "Puoi rispondere liberamente",
    ),
    "es": (
        "El cliente aún no ha escrito: hasta que responda solo se pueden enviar plantillas.",
        "Puedes responder libremente",
    ),
}


@in_each_size
def test_a_chat_the_business_started_says_the_customer_has_not_written_yet(
    setup: Setup, page: Page, size: tuple[int, int]
) -> None:
    phone = f"+39333{next(_numbers):07d}"
    template_id = setup.approved_template(f"first_contact_{size[0]}")
    sent = setup.api.post(
        "/api/1/messages/send/",
        json={
            "phone": phone,
            "type": "Template",
            "template": template_id,
            "custom_fields": {"NAME": "Paola", "ORDER": "B-2", "SHOP": "Via Roma", "WHEN": "9:00"},
        },
    )
    assert sent.status_code == 201, sent.text
    contact = setup.contact(phone)
    assigned = setup.api.post(f"/api/1/contacts/{contact['id']}/add_operator/", json={"email": setup.operator.email})
    assert assigned.status_code == 200, assigned.text
    slug = f"chats/{sent.json()['chat_uuid']}"
    # Only templates can be sent: the focus waits on the Templates tab (one frame: the browser lets
    # no frame take the focus from another).
    page.goto(setup.host_url((setup.frame(setup.operator, slug, "it"), *size)))
    expect(frame_of(page).locator("#tab-templates")).to_be_focused()
    page.goto(
        setup.host_url(
            (setup.frame(setup.manager, slug, "en"), *size),
            (setup.frame(setup.operator, slug, "it"), *size),
            (setup.frame(setup.manager, slug, "es"), *size),
        )
    )
    frames = {language: frame_of(page, index) for index, language in enumerate(("en", "it", "es"))}
    for language, chat in frames.items():
        expect(chat.locator("#window-state")).to_have_text(NEVER[language][0])
        assert inside_the_frame(chat, "#window-state")
        assert chat.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        expect(chat.locator("#reply")).to_be_disabled()
        expect(chat.locator("#reply-closed")).to_be_visible()
    # The customer answers: the window opens, live.
    setup.says(phone, "Grazie, passo domani")
    for language, chat in frames.items():
        expect(chat.locator("#window-state")).to_contain_text(NEVER[language][1])
        expect(chat.locator("#reply")).to_be_enabled()


@in_each_size
def test_a_chat_operator_with_nothing_assigned_is_told_so(setup: Setup, page: Page, size: tuple[int, int]) -> None:
    # Seeded in a thread of its own: this one runs Playwright's event loop.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        lonely = pool.submit(
            add_service_user_with_key,
            setup.world.settings,
            setup.world.account_id,
            role=Role.CHAT_OPERATOR,
            name=f"New {size[0]}",
            allowed_origins=[setup.host],
        ).result()
    a_customer(setup, "manager", "C'è qualcuno?")
    page.goto(
        setup.host_url(
            (setup.frame(lonely, "chats", "en"), *size),
            (setup.frame(lonely, "chats", "it"), *size),
            (setup.frame(lonely, "chats", "es"), *size),
            (setup.frame(setup.manager, "chats", "en"), *size),
        )
    )
    expected = [
        "No chats are assigned to you yet. When a colleague assigns you a chat, it appears here.",
        "Nessuna chat ti è ancora assegnata. Quando un collega ti assegna una chat, compare qui.",
        "Aún no tienes chats asignados. Cuando un compañero te asigne un chat, aparecerá aquí.",
    ]
    for index, sentence in enumerate(expected):
        expect(frame_of(page, index).locator("#chats-empty")).to_have_text(sentence)
        assert inside_the_frame(frame_of(page, index), "#chats-empty")
    expect(frame_of(page, 3).locator(".chat-row").first).to_be_visible()


@in_each_size
@as_each_role
def test_icons_are_svg_and_the_pages_have_a_favicon(setup: Setup, page: Page, size: tuple[int, int], who: str) -> None:
    with_plus, contact = a_customer(setup, who, "Vi mando dove sono")
    phone = with_plus.lstrip("+")
    place = {"from": phone, "name": "Giulia", "type": "location", "latitude": 45.46, "longitude": 9.19}
    answer = httpx.post(f"{setup.world.emulator_url}/_emulator/say", json={**place, "location_name": "Negozio"})
    assert answer.status_code == 200, answer.text
    page.goto(setup.host_url((setup.frame(as_who(setup, who), f"chats/{contact['chat_uuid']}", "en"), *size)))
    chat = frame_of(page)
    # The place's name once, and a link to the map.
    expect(chat.locator(".location-name")).to_have_text("Negozio")
    expect(chat.locator(".message.inbound").last).to_contain_text("Negozio")
    assert chat.locator(".message.inbound").last.inner_text().count("Negozio") == 1
    expect(chat.locator(".message.inbound").last.locator("a[href*='45.46']")).to_have_count(1)
    chat.locator("#reply").fill("Arrivo!")
    chat.locator("#reply").press("Enter")
    tick = chat.locator(".message.outbound .tick").last
    expect(tick).to_have_attribute("aria-label", re.compile("Waiting to be sent|Sent|Delivered|Read"))
    expect(tick.locator("svg")).to_have_count(1)
    expect(chat.locator(".location-name svg")).to_have_count(1)
    expect(chat.locator("#back-to-list svg")).to_have_count(1)
    expect(chat.locator("#chat-menu svg")).to_have_count(1)
    assert not EMOJI.search(chat.locator("body").inner_text())
    favicon = chat.locator("link[rel=icon]").get_attribute("href")
    assert favicon and favicon.endswith(".svg")
    served = httpx.get(f"{setup.world.sportello_url}{favicon}")
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/svg+xml")

    # The emulator's customer phone draws its buttons and ticks as SVG too.
    page.goto(f"{setup.world.emulator_url}/phone/{phone}")
    expect(page.locator("#messages")).to_contain_text("Arrivo!")
    for button in ("#location", "#send"):
        expect(page.locator(f"{button} svg")).to_have_count(1)
    assert not EMOJI.search(page.locator("body").inner_text())
    if SCREENSHOTS is not None:
        page.screenshot(path=str(SCREENSHOTS / "emulator-phone.png"))


@in_each_size
@as_each_role
def test_a_payment_link_opened_once_then_twice_is_said_in_each_language(
    setup: Setup, page: Page, size: tuple[int, int], who: str
) -> None:
    chat_uuid = a_customer(setup, who, "Posso pagare con PayPal?")[1]["chat_uuid"]
    templates = setup.api.get("/api/1/templates/", params={"search": "paypal"}).json()["results"]
    template = next(t for t in templates if t["language"] == "it" and t["status"] == "approved")
    with open_frame(setup.world.sportello_url, setup.manager) as frame:
        asked = frame.post(
            f"/web/api/chats/{chat_uuid}/payment_requests/",
            json={"template": template["id"], "amount": "12.50", "currency": "EUR", "description": "Giacca"},
        )
        assert asked.status_code == 201, asked.text
    link = str(asked.json()["link"])
    slug = f"chats/{chat_uuid}"
    page.goto(setup.host_url(*((setup.frame(as_who(setup, who), slug, lang), *size) for lang in ("it", "en", "es"))))
    frames = [frame_of(page, index) for index in range(3)]
    for chat in frames:
        expect(chat.locator(".payment-card .payment-state")).to_be_visible()
    for expected in (
        ("Link aperto 1 volta,", "Link opened 1 time,", "Enlace abierto 1 vez,"),
        ("Link aperto 2 volte,", "Link opened 2 times,", "Enlace abierto 2 veces,"),
    ):
        assert httpx.get(link, follow_redirects=False).status_code == 303
        for chat, sentence in zip(frames, expected, strict=True):
            expect(chat.locator(".payment-card .payment-state")).to_contain_text(sentence)


@in_each_size
@as_each_role
def test_a_rejected_template_is_edited_and_submitted_again_from_the_page(
    setup: Setup, page: Page, size: tuple[int, int], who: str
) -> None:
    name = f"saldi_estivi_{who}_{size[0]}"
    with the_owner(setup.world) as owner:
        draft = owner.post(
            "/web/api/templates/",
            json={
                "name": name,
                "language": "es",
                "category": "UTILITY",
                "content": {
                    "body": "Hola %%NOMBRE%%, las rebajas de verano empiezan hoy en la tienda.",
                    "examples": {"NOMBRE": "Marco"},
                    "buttons": [{"type": "QUICK_REPLY", "text": "Gracias"}],
                },
            },
        )
        assert draft.status_code == 201, draft.text
        template_id = draft.json()["id"]
        assert owner.post(f"/web/api/templates/{template_id}/submit/").status_code == 200
    setup.review_pending("reject", "INCORRECT_CATEGORY")
    page.goto(setup.host_url((setup.frame(as_who(setup, who), "templates", "es"), *size)))
    templates = frame_of(page)
    row = templates.locator("#templates-table tbody tr", has_text=name)
    expect(row.locator(".badge")).to_have_text("Rechazada")
    expect(row.locator(".rejection-text")).to_have_text(re.compile(r"^La categoría .+\.$"))
    assert templates.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    if who == "operator":
        # Requesting templates is not a Chat Operator's call: they read Meta's reason, and change nothing.
        expect(row.get_by_role("button", name=f"Editar {name}")).to_have_count(0)
        expect(templates.locator("#template-body")).to_have_count(0)
        return

    row.get_by_role("button", name=f"Editar {name}").click()
    expect(templates.locator("#template-request-title")).to_have_text(f"Edita {name} y envíala de nuevo")
    expect(templates.locator("#template-body")).to_be_focused()
    expect(templates.locator("#template-body")).to_have_value(
        "Hola %%NOMBRE%%, las rebajas de verano empiezan hoy en la tienda."
    )
    expect(templates.locator("#example-NOMBRE")).to_have_value("Marco")
    shot(page, "en", "templates-edit-450x600")
    templates.locator("#template-category").select_option("MARKETING")
    templates.locator("#template-body").fill("Hola %%NOMBRE%%, las rebajas de verano empiezan hoy: hasta un 30%.")
    templates.get_by_role("button", name="Guardar y enviar de nuevo").click()
    expect(row.locator(".badge")).to_have_text("En revisión")
    expect(templates.locator("#template-request-title")).to_have_text("Solicitar una plantilla nueva")
    # Meta reviews the same template again (edited, not requested twice), with the new text.
    at_meta = [t for t in httpx.get(f"{setup.world.emulator_url}/_emulator/templates").json() if t["name"] == name]
    assert len(at_meta) == 1 and at_meta[0]["status"] == "PENDING" and at_meta[0]["category"] == "MARKETING"
    assert "hasta un 30%" in json.dumps(at_meta[0]["components"])
    setup.review_pending()
    expect(row.locator(".badge")).to_have_text("Aprobada")


def test_the_full_app_chat_fits_its_window(setup: Setup, page: Page) -> None:
    phone = "+393330000060"
    for index in range(12):
        setup.says(phone, f"Riga {index}")
    chat_uuid = setup.contact(phone)["chat_uuid"]
    page.set_viewport_size({"width": 1200, "height": 700})
    page.goto(f"{setup.world.sportello_url}/login?next=/chats/{chat_uuid}")
    page.get_by_label("Email").fill("owner@shop.example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".message.inbound")).to_have_count(12)
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight")
    box = page.locator("#reply-send").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 700
    expect(page.locator("#reply")).to_be_focused()


PRESENCE = {
    "en": ("{} also has this chat open", "{} is typing…"),
    "it": ("{} ha aperto anche questa chat", "{} sta scrivendo…"),
}


@in_each_size
@as_each_role
def test_two_agents_on_one_chat_see_who_else_has_it_open_and_who_is_typing(
    setup: Setup, page: Page, size: tuple[int, int], who: str
) -> None:
    # Two frames of the host, two agents on one chat (the operator's is assigned to them); the line
    # under the name takes the place of the phone, so the header keeps its height.
    language = "en" if size[0] == 450 else "it"
    here, typing = PRESENCE[language]
    phone, contact = a_customer(setup, "operator")
    me, colleague = as_who(setup, who), setup.operator if who == "manager" else setup.manager
    names = {setup.manager.uid: "Desk", setup.operator.uid: "Operator"}
    my_name, their_name = names[me.uid], names[colleague.uid]
    slug = f"chats/{contact['chat_uuid']}"
    page.goto(setup.host_url((setup.frame(me, slug, language), *size)))
    mine = frame_of(page)
    expect(mine.locator("#reply")).to_be_focused()
    head = rect(mine, ".chat-head")["height"]
    expect(mine.locator("#presence")).to_be_hidden()
    expect(mine.locator("#contact-ids")).to_contain_text(phone.lstrip("+"))
    other = page.context.new_page()
    try:
        other.goto(setup.host_url((setup.frame(colleague, slug, language), *size)))
        theirs = frame_of(other)
        expect(theirs.locator("#reply")).to_be_focused()
        # Each is told of the other, whoever came first.
        expect(mine.locator("#presence")).to_have_text(here.format(their_name))
        expect(theirs.locator("#presence")).to_have_text(here.format(my_name))
        expect(mine.locator("#contact-ids")).to_be_hidden()
        assert abs(rect(mine, ".chat-head")["height"] - head) <= 1
        # The colleague types: "typing…" until they send, then they are only there.
        theirs.locator("#reply").press_sequentially("Ci penso io", delay=20)
        expect(mine.locator("#presence")).to_have_text(typing.format(their_name))
        theirs.locator("#reply").press("Enter")
        expect(mine.locator(".message.outbound").last).to_contain_text("Ci penso io")
        expect(mine.locator("#presence")).to_have_text(here.format(their_name))
        assert inside_the_frame(mine, "#presence") and inside_the_frame(mine, "#reply-send")
        shot(page, language, f"chat-presence-{size[0]}x{size[1]}-{who}")
    finally:
        other.close()
    # The colleague's page closed: the phone is back at once, not when their presence lapses.
    expect(mine.locator("#presence")).to_be_hidden()
    expect(mine.locator("#contact-ids")).to_be_visible()
