"""The chat's composer and messages in the guide's 450x600 frame and at 320 px, in Debian's Chromium
against real servers and the emulator: a draft that survives leaving the chat and a reload, links
and WhatsApp's formatting drawn from text (a `<script>` stays text), and an answer quoting the
customer's message that reaches the emulator with Meta's `context` and shows its quote, as does the
customer's own quoted answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title></head>
<body><div id="frames"></div><script src="/host.js"></script></body></html>"""
HOST_JS = """
const frames = JSON.parse(new URLSearchParams(location.search).get("frames") || "[]");
frames.forEach(([src, width, height], index) => {
  const frame = document.createElement("iframe");
  Object.assign(frame, { name: "frame" + index, src, width, height });
  document.getElementById("frames").appendChild(frame);
});
"""


class Setup:
    def __init__(self, world: World, host: str, manager: Integration, operator: Integration) -> None:
        self.world, self.host, self.manager, self.operator = world, host, manager, operator
        self.api = httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": manager.api_key})

    def frame_url(self, who: Integration, slug: str, language: str, width: int, height: int) -> str:
        minted = httpx.post(
            f"{self.world.sportello_url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": who.api_key},
            json={"email": who.email, "private_key": who.private_key},
        )
        assert minted.status_code == 200, minted.text
        token = minted.json()
        src = (
            f"{self.world.sportello_url}/{slug}?auth_token={token['token']}&auth_uid={token['uid']}&language={language}"
        )
        return f"{self.host}/?frames={quote(json.dumps([[src, width, height]]))}"

    def says(self, phone: str, text: str, context: str | None = None) -> str:
        body: dict[str, Any] = {"from": phone, "name": "Giulia Rossi", "text": text}
        if context:
            body["context"] = context
        answer = httpx.post(f"{self.world.emulator_url}/_emulator/say", json=body)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["wamid"])

    def chat_of(self, phone: str, who: Integration) -> str:
        def found() -> list[dict[str, Any]]:
            results: list[dict[str, Any]] = self.api.get("/api/1/contacts/", params={"search": phone}).json()["results"]
            return results

        contact = wait_for(found)[0]
        if who is self.operator:
            assigned = self.api.post(f"/api/1/contacts/{contact['id']}/add_operator/", json={"email": who.email})
            assert assigned.status_code == 200, assigned.text
        return str(contact["chat_uuid"])

    def sent_to(self, phone: str) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = httpx.get(f"{self.world.emulator_url}/_emulator/sent", params={"to": phone}).json()
        return sent


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("composer")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    with running_world(settings) as world:
        manager = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        operator = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Operator", allowed_origins=[host]
        )
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            ready = Setup(world, host, manager, operator)
            try:
                yield ready
            finally:
                ready.api.close()


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1000, "height": 700}, locale="en-US")
        context.set_default_timeout(15_000)
        yield context
        context.close()


def rich(frame: Frame, text: str) -> str:
    """The message text module's nodes for `text`, as HTML (only to compare; the page never parses HTML)."""
    html: str = frame.evaluate(
        """async (text) => {
            const { richText } = await import("/static/js/inbox/rich_text.js");
            const box = document.createElement("p");
            box.append(...richText(text));
            return box.innerHTML;
        }""",
        text,
    )
    return html


def test_whatsapp_formatting_follows_whatsapps_rules(setup: Setup, page: Page) -> None:
    setup.says("+393331110000", "Ciao")
    chat = setup.chat_of("+393331110000", setup.manager)
    page.goto(setup.frame_url(setup.manager, f"chats/{chat}", "en", 450, 600))
    frame = frame_of(page)
    expect(frame.locator(".message.inbound")).to_have_count(1)
    cases = {
        "*bold* and _it_ and ~gone~": "<strong>bold</strong> and <em>it</em> and <s>gone</s>",
        "_*both*_": "<em><strong>both</strong></em>",
        "*never closed": "*never closed",
        "2*3*4 a_b_c": "2*3*4 a_b_c",
        "* spaced *": "* spaced *",
        "*two\nlines*": "*two\nlines*",
        "```*not bold*``` `code`": '<code class="mono">*not bold*</code> <code>code</code>',
        "see https://shop.example.com/a_b_c.": 'see <a href="https://shop.example.com/a_b_c" target="_blank" '
        'rel="noopener noreferrer" class="text-link">https://shop.example.com/a_b_c</a>.',
        "javascript:alert(1) ftp://x.example": "javascript:alert(1) ftp://x.example",
        "<b>not html</b>": "&lt;b&gt;not html&lt;/b&gt;",
    }
    for text, html in cases.items():
        assert rich(frame, text) == html, text


TEXTS = {
    "en": {"quote_from": "Customer", "cancel": "Stop replying to this message", "reply": "Reply to this message"},
    "it": {
        "quote_from": "Cliente",
        "cancel": "Non rispondere più a questo messaggio",
        "reply": "Rispondi a questo messaggio",
    },
}


@pytest.mark.parametrize(
    ("who", "language", "width", "phone"),
    [
        ("manager", "en", 450, "+393331110001"),
        ("operator", "it", 320, "+393331110002"),
        ("manager", "it", 320, "+393331110011"),
        ("operator", "en", 450, "+393331110012"),
    ],
)
def test_drafts_formatting_and_quoted_replies_in_the_frame(
    setup: Setup, page: Page, who: str, language: str, width: int, phone: str
) -> None:
    user = setup.manager if who == "manager" else setup.operator
    asked = setup.says(
        phone, "Ciao! *Giacca blu* in M? https://shop.example.com/giacca?c=blu <script>alert(1)</script>"
    )
    chat = setup.chat_of(phone, user)
    page.goto(setup.frame_url(user, f"chats/{chat}", language, width, 600))
    frame = frame_of(page)
    inbound = frame.locator(".message.inbound")
    expect(inbound).to_have_count(1)

    # The customer's text, formatted from text: bold, a safe link, and a <script> that stays text.
    expect(inbound.locator("strong")).to_have_text("Giacca blu")
    link = inbound.locator("a.text-link")
    expect(link).to_have_attribute("href", "https://shop.example.com/giacca?c=blu")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(inbound.locator(".text")).to_contain_text("<script>alert(1)</script>")
    assert frame.locator(".messages script").count() == 0

    frame.locator("#reply").fill("Sì, la abbiamo")

    # Quoting the customer's message: the quote above the box, Esc takes it away, the close button too.
    message = frame.locator(".message.inbound").first
    reply_action = message.get_by_role("button", name=TEXTS[language]["reply"])
    reply_action.focus()
    reply_action.press("Enter")
    quote_bar = frame.locator("#reply-quote")
    expect(quote_bar).to_be_visible()
    expect(quote_bar).to_contain_text("Giacca blu")
    expect(frame.locator("#reply")).to_be_focused()
    frame.locator("#reply").press("Escape")
    expect(quote_bar).to_be_hidden()
    reply_action.click()
    frame.get_by_role("button", name=TEXTS[language]["cancel"]).click()
    expect(quote_bar).to_be_hidden()
    reply_action.click()
    expect(quote_bar).to_be_visible()
    # Send stays inside the frame with the quote open.
    box = frame.evaluate("document.querySelector('#reply-send').getBoundingClientRect().bottom")
    assert box <= frame.evaluate("innerHeight")
    assert frame.evaluate("document.documentElement.scrollWidth") <= width
    frame.locator("#reply").press("Enter")

    outbound = frame.locator(".message.outbound")
    expect(outbound).to_have_count(1)
    expect(outbound.locator(".quoted")).to_contain_text("Giacca blu")
    expect(quote_bar).to_be_hidden()
    sent = wait_for(lambda: setup.sent_to(phone))
    assert sent[-1]["type"] == "text"
    assert sent[-1]["body"]["context"] == {"message_id": asked}
    assert sent[-1]["body"]["text"]["body"] == "Sì, la abbiamo"

    expect(frame.locator("#reply")).to_have_value("")

    # The customer answers quoting our message: the quote shows above their text.
    setup.says(phone, "Perfetto, grazie", context=sent[-1]["wamid"])
    answer = frame.locator(".message.inbound").last
    expect(answer).to_contain_text("Perfetto, grazie")
    expect(answer.locator(".quoted")).to_contain_text("Sì, la abbiamo")


def test_a_draft_survives_leaving_the_chat_and_a_reload_and_goes_with_the_send(setup: Setup, page: Page) -> None:
    phone = "+393331110003"
    setup.says(phone, "Avete la M?")
    chat = setup.chat_of(phone, setup.manager)
    other_phone = "+393331110004"
    setup.says(other_phone, "Buongiorno")
    other = setup.chat_of(other_phone, setup.manager)
    page.goto(f"{setup.world.sportello_url}/login?next=/chats/{chat}")
    page.get_by_label("Email").fill("owner@shop.example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".message.inbound")).to_have_count(1)
    page.locator("#reply").fill("Sì, in blu e in nero")

    # Away to the list and back: the draft is there; another chat has its own (none).
    page.locator("#back-to-list").click()
    page.locator(f".chat-row[data-chat-uuid='{other}'] a").click()
    expect(page.locator(".message.inbound")).to_contain_text("Buongiorno")
    expect(page.locator("#reply")).to_have_value("")
    page.locator("#back-to-list").click()
    page.locator(f".chat-row[data-chat-uuid='{chat}'] a").click()
    expect(page.locator("#reply")).to_have_value("Sì, in blu e in nero")
    page.reload()
    expect(page.locator("#reply")).to_have_value("Sì, in blu e in nero")

    # Sent, the draft is gone, after a reload too.
    page.locator("#reply").press("Enter")
    expect(page.locator(".message.outbound")).to_contain_text("Sì, in blu e in nero")
    expect(page.locator("#reply")).to_have_value("")
    page.reload()
    expect(page.locator(".message.outbound")).to_have_count(1)
    expect(page.locator("#reply")).to_have_value("")


@pytest.mark.parametrize("width", [450, 320])
@pytest.mark.parametrize("who", ["manager", "operator"])
def test_in_the_hosts_frame_a_draft_survives_a_reload_even_right_after_typing_and_goes_with_the_send(
    setup: Setup, page: Page, who: str, width: int
) -> None:
    # Chromium denies this cross-site frame storage of its own: the draft lives on the server.
    phone = f"+39333111{20 + (who == 'operator') * 2 + (width == 320):04d}"
    user = setup.manager if who == "manager" else setup.operator
    setup.says(phone, "Avete la M?")
    chat = setup.chat_of(phone, user)
    page.goto(setup.frame_url(user, f"chats/{chat}", "it", width, 600))
    frame = frame_of(page)
    expect(frame.locator("#reply")).to_be_focused()
    frame.locator("#reply").press_sequentially("Sì, in blu, in nero e in verde", delay=10)
    # Away at once (a new token, as the host's page makes on every load): the save goes as it leaves.
    page.goto(setup.frame_url(user, f"chats/{chat}", "it", width, 600))
    frame = frame_of(page)
    expect(frame.locator("#reply")).to_have_value("Sì, in blu, in nero e in verde")
    frame.locator("#reply").press("Enter")
    expect(frame.locator(".message.outbound")).to_contain_text("Sì, in blu")
    expect(frame.locator("#reply")).to_have_value("")
    page.goto(setup.frame_url(user, f"chats/{chat}", "it", width, 600))
    frame = frame_of(page)
    expect(frame.locator(".message.outbound")).to_have_count(1)
    expect(frame.locator("#reply")).to_be_focused()
    expect(frame.locator("#reply")).to_have_value("")


CHOICES = {
    "en": {"open": "Buttons or list", "too_long": "A list has at most 10 options.", "sent": "Options sent."},
    "es": {
        "open": "Botones o lista",
        "too_long": "Una lista tiene como máximo 10 opciones.",
        "sent": "Opciones enviadas.",
    },
}


@pytest.mark.parametrize(
    ("who", "language", "width", "phone"),
    [
        ("manager", "en", 450, "+393331110005"),
        ("operator", "es", 320, "+393331110006"),
        ("manager", "es", 320, "+393331110013"),
        ("operator", "en", 450, "+393331110014"),
    ],
)
def test_buttons_and_a_list_from_the_composer_reach_the_emulator(
    setup: Setup, page: Page, who: str, language: str, width: int, phone: str
) -> None:
    user = setup.manager if who == "manager" else setup.operator
    setup.says(phone, "Che taglie avete?")
    chat = setup.chat_of(phone, user)
    page.goto(setup.frame_url(user, f"chats/{chat}", language, width, 600))
    frame = frame_of(page)
    expect(frame.locator(".message.inbound")).to_have_count(1)
    texts = CHOICES[language]

    frame.get_by_role("button", name=texts["open"]).click()
    expect(frame.locator("#choices-text")).to_be_focused()
    frame.locator("#choices-text").fill("Quale taglia?")
    for n, title in enumerate(["S", "M", "L"], start=1):
        frame.locator(f"#choices-button-{n}").fill(title)
    send = frame.locator("#choices-send")
    send.scroll_into_view_if_needed()
    assert frame.evaluate("document.querySelector('#choices-send').getBoundingClientRect().bottom") <= 600
    assert frame.evaluate("document.documentElement.scrollWidth") <= width
    send.click()
    expect(frame.locator("#chat-status")).to_contain_text(texts["sent"])
    expect(frame.locator("#choices-form")).to_be_hidden()

    # A list of eleven options is refused in the page's language, before anything is sent.
    frame.get_by_role("button", name=texts["open"]).click()
    frame.locator("#choices-kind").select_option("list")
    frame.locator("#choices-text").fill("Scelga")
    frame.locator("#choices-list-button").fill("Taglie")
    frame.locator("#choices-rows").fill("\n".join(f"Taglia {i}" for i in range(11)))
    frame.locator("#choices-send").click()
    expect(frame.locator("#choices-error")).to_have_text(texts["too_long"])
    expect(frame.locator("#choices-rows")).to_be_focused()
    frame.locator("#choices-rows").fill("S\nM\nL")
    frame.locator("#choices-send").click()
    expect(frame.locator("#choices-form")).to_be_hidden()

    def interactive() -> list[dict[str, Any]]:
        found = [e["body"]["interactive"] for e in setup.sent_to(phone)]
        return found if len(found) == 2 else []

    sent_buttons, sent_list = wait_for(interactive)
    assert sent_buttons["type"] == "button" and sent_buttons["body"]["text"] == "Quale taglia?"
    assert [b["reply"]["title"] for b in sent_buttons["action"]["buttons"]] == ["S", "M", "L"]
    assert sent_list["type"] == "list" and sent_list["action"]["button"] == "Taglie"
    assert [r["title"] for r in sent_list["action"]["sections"][0]["rows"]] == ["S", "M", "L"]
    expect(frame.locator(".message.outbound")).to_have_count(2)


@pytest.mark.parametrize("width", [450, 320])
@pytest.mark.parametrize("who", ["manager", "operator"])
def test_the_emoji_picker_inserts_at_the_caret_by_mouse_and_keyboard(
    setup: Setup, page: Page, who: str, width: int
) -> None:
    phone = f"+39333111{30 + (who == 'operator') * 2 + (width == 320):04d}"
    user = setup.manager if who == "manager" else setup.operator
    setup.says(phone, "Grazie!")
    chat = setup.chat_of(phone, user)
    page.goto(setup.frame_url(user, f"chats/{chat}", "en", width, 600))
    frame = frame_of(page)
    reply = frame.locator("#reply")
    reply.fill("Prego ciao")
    reply.evaluate("(box) => box.setSelectionRange(5, 5)")
    toggle = frame.get_by_role("button", name="Emoji")
    toggle.click()
    picker = frame.get_by_role("dialog", name="Emoji")
    expect(picker).to_be_visible()
    expect(frame.locator("#emoji-picker .emoji").first).to_be_focused()
    # Keys: two to the right, Enter inserts it at the caret and the focus is back in the box.
    frame.locator("#emoji-picker .emoji").first.press("ArrowRight")
    frame.locator("#emoji-picker .emoji").nth(1).press("ArrowRight")
    expect(frame.locator("#emoji-picker .emoji").nth(2)).to_be_focused()
    frame.locator("#emoji-picker .emoji").nth(2).press("Enter")
    expect(picker).to_be_hidden()
    expect(reply).to_be_focused()
    expect(reply).to_have_value("Prego😄 ciao")
    # Esc closes without inserting; a click inserts where the caret is (after the emoji).
    toggle.click()
    frame.locator("#emoji-picker .emoji").nth(2).press("Escape")
    expect(picker).to_be_hidden()
    expect(reply).to_have_value("Prego😄 ciao")
    toggle.click()
    picker.get_by_role("button", name="👍").click()
    expect(reply).to_have_value("Prego😄👍 ciao")
    assert frame.evaluate("document.documentElement.scrollWidth") <= width
    reply.press("Enter")
    expect(frame.locator(".message.outbound")).to_contain_text("Prego😄👍 ciao")


@pytest.mark.parametrize(
    ("who", "width", "phone"),
    [
        ("manager", 450, "+393331110008"),
        ("operator", 320, "+393331110009"),
        ("manager", 320, "+393331110015"),
        ("operator", 450, "+393331110016"),
    ],
)
def test_reacting_to_a_customer_message_reaches_the_emulator_and_shows_on_it(
    setup: Setup, page: Page, who: str, width: int, phone: str
) -> None:
    user = setup.manager if who == "manager" else setup.operator
    asked = setup.says(phone, "La giacca è arrivata!")
    chat = setup.chat_of(phone, user)
    page.goto(setup.frame_url(user, f"chats/{chat}", "en", width, 600))
    frame = frame_of(page)
    message = frame.locator(".message.inbound").first
    expect(message).to_contain_text("La giacca è arrivata!")

    # By keyboard: the action, then Enter on the first emoji.
    react = message.get_by_role("button", name="React to this message")
    react.focus()
    react.press("Enter")
    thumbs = message.get_by_role("button", name="👍")
    expect(thumbs).to_be_focused()
    thumbs.press("Enter")
    expect(message.locator(".reaction-badge")).to_have_attribute("aria-label", "You reacted 👍")

    def reactions() -> list[dict[str, Any]]:
        return [e["body"] for e in setup.sent_to(phone) if e["type"] == "reaction"]

    sent = wait_for(reactions)
    assert sent[0]["reaction"] == {"message_id": asked, "emoji": "👍"}

    # The same emoji again takes it away: Meta's removal, an empty emoji.
    message.get_by_role("button", name="React to this message").click()
    message.get_by_role("button", name="👍").click()
    expect(message.locator(".reaction-badge")).to_have_count(0)
    sent = wait_for(lambda: reactions() if len(reactions()) == 2 else [])
    assert sent[1]["reaction"] == {"message_id": asked, "emoji": ""}
    assert frame.evaluate("document.documentElement.scrollWidth") <= width
