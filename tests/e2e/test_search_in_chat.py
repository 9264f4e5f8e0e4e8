"""Search inside messages, in Debian's Chromium against real servers and the emulator, in the
guide's 450x600 frame and at 320 px: the chat list's search finds a chat by an old message and
shows that message under the name, opening the chat at it; the chat's own search (in its header
menu, by keyboard) jumps to an old message and marks it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
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
from support.world import World, running_world

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title></head>
<body><div id="frames"></div><script src="/host.js"></script></body></html>"""
HOST_JS = """
const [src, width, height] = JSON.parse(new URLSearchParams(location.search).get("frame"));
const frame = document.createElement("iframe");
Object.assign(frame, { name: "frame0", src, width, height });
document.getElementById("frames").appendChild(frame);
"""
OLD_TEXT = "Il codice del reso è 48213, grazie"
TEXTS = {
    "en": {"search": "Search in chat", "found": "Found in a message:"},
    "it": {"search": "Cerca nella chat", "found": "Trovato in un messaggio:"},
    "es": {"search": "Buscar en el chat", "found": "Encontrado en un mensaje:"},
}


@dataclass
class Setup:
    world: World
    host: str
    manager: Integration
    chat_uuid: str
    old_uuid: str

    def frame_url(self, slug: str, language: str, width: int, height: int) -> str:
        minted = httpx.post(
            f"{self.world.sportello_url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": self.manager.api_key},
            json={"email": self.manager.email, "private_key": self.manager.private_key},
        )
        assert minted.status_code == 200, minted.text
        token = minted.json()
        query = f"auth_token={token['token']}&auth_uid={token['uid']}&language={language}"
        src = f"{self.world.sportello_url}/{slug}?{query}"
        return f"{self.host}/?frame={quote(json.dumps([src, width, height]))}"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("search-in-chat")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    with running_world(settings) as world:
        manager = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        with httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": manager.api_key}) as api:
            for phone, name in (("+393331234567", "Giulia"), ("+393475550000", "Marco")):
                other = api.post("/api/1/contacts/", json={"phone": phone, "first_name": name})
                assert other.status_code == 201, other.text
            contact = api.post("/api/1/contacts/", json={"phone": "+393471112222", "first_name": "Anna"}).json()
            old_uuid = ""
            for index in range(90):
                text = OLD_TEXT if index == 3 else f"Aggiornamento numero {index} sulla spedizione"
                body: dict[str, Any] = {"chat_uuid": contact["chat_uuid"], "type": "Note", "text": text}
                sent = api.post("/api/1/messages/send/", json=body)
                assert sent.status_code in (200, 201), sent.text
                if index == 3:
                    old_uuid = sent.json()["uuid"]
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            yield Setup(world, host, manager, contact["chat_uuid"], old_uuid)


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 900, "height": 700}, locale="en-US")
        context.set_default_timeout(15_000)
        yield context
        context.close()


def _found_in_view(frame: Frame, message_uuid: str) -> None:
    found = frame.locator(f'.message.found[data-message-uuid="{message_uuid}"]')
    expect(found).to_be_visible()
    expect(found).to_be_focused()
    expect(found).to_contain_text("48213")
    # In sight: not clipped away by the conversation's scroller nor by the frame.
    expect(found).to_be_in_viewport(ratio=0.9)


def _fits(frame: Frame) -> None:
    width: int = frame.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert width <= 0, "nothing sticks out sideways"


@pytest.mark.parametrize(("language", "width"), [("en", 450), ("it", 320), ("es", 450)])
def test_the_chat_list_finds_a_chat_by_an_old_message_and_opens_it_there(
    setup: Setup, page: Page, language: str, width: int
) -> None:
    page.goto(setup.frame_url("chats", language, width, 600))
    frame = frame_of(page)
    expect(frame.locator(".chat-row")).to_have_count(3)
    frame.locator("#chat-search").fill("48213")
    rows = frame.locator(".chat-row")
    expect(rows).to_have_count(1)
    preview = rows.first.locator(".chat-preview.matched")
    expect(preview).to_contain_text(OLD_TEXT)
    expect(preview).to_contain_text(TEXTS[language]["found"])  # said to screen readers
    _fits(frame)

    rows.first.locator("a.chat-link").click()
    frame.wait_for_url(f"**/chats/{setup.chat_uuid}?*")
    _found_in_view(frame, setup.old_uuid)
    _fits(frame)


@pytest.mark.parametrize(("language", "width"), [("en", 320), ("it", 450), ("es", 320)])
def test_search_inside_a_chat_jumps_to_an_old_message_by_keyboard(
    setup: Setup, page: Page, language: str, width: int
) -> None:
    page.goto(setup.frame_url(f"chats/{setup.chat_uuid}", language, width, 600))
    frame = frame_of(page)
    expect(frame.locator("#messages .message").last).to_contain_text("89")
    expect(frame.locator(f'[data-message-uuid="{setup.old_uuid}"]')).to_have_count(0)  # not loaded yet

    frame.locator("#chat-menu").focus()
    page.keyboard.press("Enter")
    item = frame.locator("#search-in-chat")
    expect(item).to_have_text(TEXTS[language]["search"])
    item.focus()
    page.keyboard.press("Enter")
    search = frame.locator("#chat-find")
    expect(search).to_be_focused()
    page.keyboard.type("48213")
    page.keyboard.press("Enter")
    hit = frame.locator(".find-hit")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("48213")
    page.keyboard.press("Tab")  # to the close button, then the hit
    page.keyboard.press("Tab")
    expect(hit).to_be_focused()
    page.keyboard.press("Enter")
    _found_in_view(frame, setup.old_uuid)
    _fits(frame)
    composer_bottom: float = frame.evaluate("document.getElementById('reply').getBoundingClientRect().bottom")
    assert composer_bottom <= 600, "the composer stays inside the frame"
    # Nothing is missing between the message found and the newest one.
    assert frame.locator("#messages .message").count() >= 87
