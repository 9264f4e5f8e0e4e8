"""Blue ticks and "typing…" on the customer's phone, in Debian's Chromium: an agent opens the
chat in a host's frame and the customer's phone page (the emulator's) shows their messages read;
the agent types a reply and the phone shows "typing…" until the answer arrives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Frame, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

GIULIA = "+393331234567"


def _host_app() -> Starlette:
    """A host CRM page that embeds the one address its backend (the test) minted."""

    async def page(request: Request) -> HTMLResponse:
        src = request.query_params.get("src", "")
        quoted = src.replace("&", "&amp;").replace('"', "&quot;")
        return HTMLResponse(
            f"<!doctype html><html><head><title>Host CRM</title></head><body><h1>Host CRM</h1>"
            f'<iframe name="sportello" src="{quoted}" width="560" height="700"></iframe></body></html>'
        )

    return Starlette(routes=[Route("/", page)])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str, Integration]]:
    data = tmp_path_factory.mktemp("read-receipts")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    with running_world(settings) as world:
        desk = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        with running_server(_host_app(), port=host_port):
            yield world, host, desk


def _says(world: World, text: str) -> None:
    answer = httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": GIULIA, "name": "Giulia", "text": text})
    assert answer.status_code == 200, answer.text


def _chat_frame_url(world: World, who: Integration) -> str:
    """What the host's backend does: find the chat by phone, mint a token, build the address."""
    headers = {"X-Spoki-Api-Key": who.api_key}
    found = wait_for(
        lambda: httpx.get(f"{world.sportello_url}/api/1/contacts/", headers=headers, params={"search": GIULIA}).json()[
            "results"
        ]
    )
    minted = httpx.post(
        f"{world.sportello_url}/api/1/auth/get_authentication_token/",
        headers=headers,
        json={"email": who.email, "private_key": who.private_key},
    ).json()
    chat = found[0]["chat_uuid"]
    return f"{world.sportello_url}/chats/{chat}?auth_token={minted['token']}&auth_uid={minted['uid']}&language=en"


def _frame(page: Page) -> Frame:
    page.wait_for_function("document.querySelector('iframe')?.contentWindow")
    frame = page.frame(name="sportello")
    assert frame is not None
    return frame


def test_the_customer_sees_blue_ticks_when_the_agent_reads_and_typing_while_they_answer(
    world: tuple[World, str, Integration], browser_context: Any
) -> None:
    sportello, host, desk = world
    _says(sportello, "Buongiorno! Avete la giacca blu in taglia M?")
    phone = browser_context.new_page()
    phone.goto(f"{sportello.emulator_url}/phone/{GIULIA.lstrip('+')}")
    customers = phone.locator("li.msg.in")
    expect(customers).to_have_count(1)
    expect(customers.first).to_have_attribute("data-status", "delivered")
    expect(phone.locator("#typing")).to_be_hidden()

    page = browser_context.new_page()
    page.goto(f"{host}/?src={quote(_chat_frame_url(sportello, desk), safe='')}")
    chat = _frame(page)
    expect(chat.locator("#messages")).to_contain_text("giacca blu")
    # Opening the chat is reading it: the customer's phone shows their message read.
    expect(customers.first).to_have_attribute("data-status", "read")
    expect(customers.first.locator(".ticks.read")).to_be_visible()

    # She writes again while the chat is open in front of the agent: read as it arrives.
    _says(sportello, "Ah, e anche in rosso?")
    expect(chat.locator("#messages")).to_contain_text("anche in rosso")
    expect(customers).to_have_count(2)
    expect(customers.nth(1)).to_have_attribute("data-status", "read")

    # The agent types a reply: "typing…" on her phone, until the answer arrives.
    chat.locator("#reply").press_sequentially("Sì, in entrambi")
    expect(phone.locator("#typing")).to_be_visible()
    chat.locator("#reply").press_sequentially(" i colori!")
    chat.locator("#reply").press("Enter")
    expect(phone.locator("li.msg.out")).to_contain_text("entrambi i colori")
    expect(phone.locator("#typing")).to_be_hidden()
    receipts = httpx.get(f"{sportello.emulator_url}/_emulator/conversations/{GIULIA}").json()["read_receipts"]
    assert [r["typing_indicator"] for r in receipts] == [False, False, True]
    page.close()
    phone.close()


def test_the_owner_turns_read_receipts_off_and_on_in_integrations(
    world: tuple[World, str, Integration], browser_context: Any
) -> None:
    sportello, _host, _desk = world
    page = browser_context.new_page()
    page.goto(f"{sportello.sportello_url}/login?next=/integrations")
    page.get_by_label("Email").fill("owner@shop.example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    toggle = page.get_by_label("Show customers when their messages are read and when an agent is typing")
    expect(toggle).to_be_checked()  # on by default
    toggle.uncheck()
    expect(page.locator("#read-receipts-status")).to_contain_text("Read receipts are off")
    settings = f"{sportello.sportello_url}/web/api/account/settings/"
    assert wait_for(lambda: not httpx.get(settings, cookies=_cookies(page)).json()["send_read_receipts"])
    page.reload()
    expect(toggle).not_to_be_checked()
    toggle.check()
    expect(page.locator("#read-receipts-status")).to_contain_text("Read receipts are on")
    page.close()


def _cookies(page: Page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}
