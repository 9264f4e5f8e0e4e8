"""A frame does what its page and its token allow, no more (issue 12, items 4, 5, 6), in Debian's
Chromium: a host page on another site embeds Sportello with tokens its backend minted. A chat
frame without its list cannot fetch another chat, the Templates tab never offers the payment
template, and a token minted without replies shows no composer whatever its address says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Page, expect

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.browser import as_the_frame, frame_of, host_app
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.sessions import sign_in_person
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

GIULIA, MARCO = "+393331234567", "+393471112222"
HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title></head><body><div id="frames"></div>
<script src="/host.js"></script></body></html>"""
HOST_JS = """
const frames = JSON.parse(new URLSearchParams(location.search).get("frames") || "[]");
frames.forEach((src, index) => {
  const frame = document.createElement("iframe");
  frame.name = "frame" + index;
  frame.src = src;
  frame.style.width = "520px";
  frame.style.height = "640px";
  document.getElementById("frames").appendChild(frame);
});
"""


class Setup:
    def __init__(self, world: World, host: str, desk: Integration) -> None:
        self.world, self.host, self.desk = world, host, desk

    def iframe_url(self, slug: str, ceiling: dict[str, object] | None = None, **params: str) -> str:
        """What the host's backend does: mint a token (with a ceiling, maybe), build the address."""
        minted = httpx.post(
            f"{self.world.sportello_url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": self.desk.api_key},
            json={"email": self.desk.email, "private_key": self.desk.private_key, **(ceiling or {})},
        )
        assert minted.status_code == 200, minted.text
        token = minted.json()
        query = "&".join(f"{k}={v}" for k, v in {"language": "it", **params}.items())
        return f"{self.world.sportello_url}/{slug}?auth_token={token['token']}&auth_uid={token['uid']}&{query}"

    def host_url(self, *frames: str) -> str:
        return f"{self.host}/?frames={quote(json.dumps(list(frames)))}"

    def chat_of(self, phone: str, text: str) -> str:
        said = httpx.post(
            f"{self.world.emulator_url}/_emulator/say", json={"from": phone, "name": "Cliente", "text": text}
        )
        assert said.status_code == 200, said.text

        def found() -> list[dict[str, Any]]:
            answer = httpx.get(
                f"{self.world.sportello_url}/api/1/contacts/",
                headers={"X-Spoki-Api-Key": self.desk.api_key},
                params={"search": phone},
            )
            results: list[dict[str, Any]] = answer.json()["results"]
            return results

        return str(wait_for(found)[0]["chat_uuid"])


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("frame-scope")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    with running_world(settings, read_without_delivered_probability=0.0) as world:
        desk = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            yield Setup(world, host, desk)


def test_a_chat_frame_without_its_list_cannot_fetch_another_chat(setup: Setup, page: Page) -> None:
    mine = setup.chat_of(GIULIA, "Buongiorno, è arrivata la giacca?")
    other = setup.chat_of(MARCO, "Il mio ordine è riservato")
    page.goto(setup.host_url(setup.iframe_url(f"chats/{mine}", can_view_chat_list="false")))
    chat = frame_of(page)
    expect(chat.locator("#messages")).to_contain_text("è arrivata la giacca")
    expect(chat.locator("#back-to-list")).to_have_count(0)
    assert as_the_frame(chat, "GET", f"/web/api/chats/{mine}/") == 200
    assert as_the_frame(chat, "GET", f"/web/api/chats/{other}/") == 403
    assert as_the_frame(chat, "GET", f"/web/api/chats/{other}/messages/") == 403
    assert as_the_frame(chat, "POST", f"/web/api/chats/{other}/messages/", {"type": "Note", "text": "x"}) == 403
    assert as_the_frame(chat, "DELETE", "/web/api/templates/1/") == 403, "nor change a template"


def _approved_templates(setup: Setup) -> None:
    owner = sign_in_person(setup.world.sportello_url, "owner@shop.example.com")
    try:
        enabled = owner.put("/web/api/paypal/", json={"email": "cassa@shop.example.com", "default_currency": "EUR"})
        assert enabled.status_code == 200, enabled.text
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

        def approved() -> bool:
            listed = owner.get("/web/api/templates/").json()["results"]
            return sum(t["status"] == "approved" for t in listed) == 4

        wait_for(approved)
    finally:
        owner.close()


def test_the_templates_tab_and_new_chat_never_offer_the_payment_template(setup: Setup, page: Page) -> None:
    _approved_templates(setup)
    chat_uuid = setup.chat_of(GIULIA, "Posso pagare qui?")
    page.goto(
        setup.host_url(
            setup.iframe_url(f"chats/{chat_uuid}", can_send_paypal_in_chat="false"),
            setup.iframe_url("chats", can_send_paypal_in_chat="false"),
        )
    )
    chat, chats = frame_of(page, 0), frame_of(page, 1)
    expect(chat.locator("#tab-paypal")).to_have_count(0)
    chat.locator("#tab-templates").click()
    expect(chat.locator("#template-choice option")).not_to_have_count(0)
    offered = chat.locator("#template-choice option").all_text_contents()
    assert offered == ["benvenuto (it)"], offered

    chats.locator("#new-chat").click()
    expect(chats.locator("#new-template option")).not_to_have_count(0)
    expect(chats.locator("#new-template")).to_contain_text("benvenuto (it)")
    assert chats.locator("#new-template option").all_text_contents() == ["benvenuto (it)"]


def test_a_token_minted_without_replies_shows_no_composer_whatever_the_address_says(setup: Setup, page: Page) -> None:
    chat_uuid = setup.chat_of(GIULIA, "Mi rispondete?")
    address = setup.iframe_url(
        f"chats/{chat_uuid}",
        ceiling={"can_reply_in_chat": False, "chat_uuid": chat_uuid},
        can_reply_in_chat="true",
        can_view_chat_list="true",
    )
    page.goto(setup.host_url(address))
    chat = frame_of(page)
    expect(chat.locator("#messages")).to_contain_text("Mi rispondete?")
    expect(chat.locator(".composer")).to_have_count(0)
    # A token minted for one chat opens no list, whatever the address says.
    expect(chat.locator("#back-to-list")).to_have_count(0)
    assert as_the_frame(chat, "POST", f"/web/api/chats/{chat_uuid}/messages/", {"type": "Note", "text": "x"}) == 403
