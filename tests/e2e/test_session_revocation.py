"""In Debian's Chromium, inside a host page on another site: an embedded frame whose private key is
regenerated shows "session expired" within a second or two and tells the host `sessionExpired`
(to the key's origin only); a frame opened on one chat without the chat list hears, on its live
socket, of that chat only."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Page, WebSocket, expect

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.browser import chromium, host_app
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

GIULIA, MARCO = "+393331234567", "+393471112222"
HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title></head>
<body><h1>Host CRM</h1><script src="/host.js"></script></body></html>"""
HOST_JS = """
window.received = [];
const frame = document.createElement("iframe");
frame.name = "inbox";
frame.style = "width: 520px; height: 640px";
frame.src = new URLSearchParams(location.search).get("src");
document.body.appendChild(frame);
window.addEventListener("message", (event) => {
  window.received.push({ origin: event.origin, eventType: event.data.eventType, data: event.data.data,
                         at: performance.timeOrigin + performance.now() });
});
"""


class Setup:
    def __init__(self, world: World, host: str) -> None:
        self.world, self.host = world, host
        # Made before any browser runs (seeding runs its own event loop): one user per test.
        self.rotated, self.single = (
            add_service_user_with_key(
                world.settings, world.account_id, role=Role.CHAT_MANAGER, name=name, allowed_origins=[host]
            )
            for name in ("Desk", "Single")
        )

    def host_url(self, who: Integration, slug: str, **params: str) -> str:
        """What the host's backend does: mint a token, build the iframe's address, embed it."""
        minted = httpx.post(
            f"{self.world.sportello_url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": who.api_key},
            json={"email": who.email, "private_key": who.private_key},
        )
        assert minted.status_code == 200, minted.text
        token = minted.json()
        query = "&".join(f"{k}={v}" for k, v in {"language": "en", **params}.items())
        src = f"{self.world.sportello_url}/{slug}?auth_token={token['token']}&auth_uid={token['uid']}&{query}"
        return f"{self.host}/?src={quote(src)}"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("session-revocation")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    # `localhost` against Sportello's `127.0.0.1`: another site, so the iframe is a third party.
    host = f"http://localhost:{host_port}"
    with running_world(settings) as world, running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
        yield Setup(world, host)


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1000, "height": 800})
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()


def says(setup: Setup, phone: str, text: str) -> None:
    answer = httpx.post(f"{setup.world.emulator_url}/_emulator/say", json={"from": phone, "text": text})
    assert answer.status_code == 200, answer.text


def chat_of(setup: Setup, who: Integration, phone: str) -> str:
    def found() -> str | None:
        contacts = httpx.get(
            f"{setup.world.sportello_url}/api/1/contacts/",
            headers={"X-Spoki-Api-Key": who.api_key},
            params={"search": phone},
        ).json()["results"]
        return str(contacts[0]["chat_uuid"]) if contacts else None

    uuid: str = wait_for(found)
    return uuid


def test_a_regenerated_private_key_shows_the_expired_screen_and_tells_the_host(setup: Setup, page: Page) -> None:
    desk = setup.rotated
    says(setup, GIULIA, "Buongiorno!")
    page.goto(setup.host_url(desk, "chats"))
    page.wait_for_function("document.querySelector('iframe')?.contentWindow")
    inbox = page.frame(name="inbox")
    assert inbox is not None
    expect(inbox.locator(".chat-row").first).to_be_visible()
    expect(inbox.locator("#live-state")).to_have_attribute("data-state", "live")
    page.wait_for_function("window.received.some(e => e.eventType === 'chatsChanged')")
    assert not page.evaluate("window.received.some(e => e.eventType === 'sessionExpired')")

    # The integrator regenerates the user's private key; no one touches the frame.
    rotated_at = time.time() * 1000
    answer = httpx.post(
        f"{setup.world.sportello_url}/api/1/roles/{desk.uid}/generate_private_key/",
        headers={"X-Spoki-Api-Key": desk.api_key},
    )
    assert answer.status_code == 200, answer.text

    expect(inbox.locator("#session-expired")).to_be_visible(timeout=2_000)
    page.wait_for_function("window.received.some(e => e.eventType === 'sessionExpired')", timeout=2_000)
    told: list[dict[str, Any]] = page.evaluate("window.received.filter(e => e.eventType === 'sessionExpired')")
    assert len(told) == 1
    assert told[0]["origin"] == setup.world.sportello_url and told[0]["data"] == {}
    assert told[0]["at"] - rotated_at < 2_000
    # It stays expired: the live socket does not come back.
    page.wait_for_timeout(1_500)
    expect(inbox.locator("#live-state")).to_have_count(0)
    assert len(page.evaluate("window.received.filter(e => e.eventType === 'sessionExpired')")) == 1


def test_a_frame_on_one_chat_without_the_list_hears_only_of_that_chat(setup: Setup, page: Page) -> None:
    desk = setup.single
    says(setup, GIULIA, "Ciao, sono Giulia")
    says(setup, MARCO, "Ciao, sono Marco")
    giulia, marco = chat_of(setup, desk, GIULIA), chat_of(setup, desk, MARCO)
    heard: list[str] = []

    def listen(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: heard.append(payload if isinstance(payload, str) else ""))

    page.on("websocket", listen)
    page.goto(setup.host_url(desk, f"chats/{giulia}", can_view_chat_list="false"))
    page.wait_for_function("document.querySelector('iframe')?.contentWindow")
    chat = page.frame(name="inbox")
    assert chat is not None
    expect(chat.locator("#messages")).to_contain_text("sono Giulia")
    expect(chat.locator("#live-state")).to_have_attribute("data-state", "live")

    says(setup, MARCO, "Marco scrive ancora")
    says(setup, GIULIA, "Giulia scrive ancora")
    # The page shows Giulia's new message live: its socket heard of her chat.
    expect(chat.locator("#messages")).to_contain_text("Giulia scrive ancora")
    events = [e for text in heard if text for e in json.loads(text).get("events", [])]
    assert any(e["chat_uuid"] == giulia for e in events)
    assert all(marco not in text for text in heard), "told of another chat"
