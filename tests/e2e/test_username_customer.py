"""A WhatsApp user with only a username, in Chromium against real servers and the emulator: they
write without Meta telling their phone, the agent answers from the chat page, the answer reaches
their phone page (opened by BSUID); they share their number and it is still one chat."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from sportello.settings import Settings
from support.browser import chromium
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


@pytest.fixture
def page(world: World) -> Iterator[Page]:
    # After the world: Playwright runs an event loop in this thread, where asyncio.run no longer can.
    with chromium() as browser:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()


def test_a_username_customer_is_answered_and_stays_one_chat_after_sharing_their_number(
    world: World, page: Page
) -> None:
    said = httpx.post(
        f"{world.emulator_url}/_emulator/say", json={"username": "giulia.rossi", "name": "", "text": "Avete la M?"}
    )
    assert said.status_code == 200, said.text
    customer = said.json()["customer"]

    page.goto(f"{world.sportello_url}/login?next=/chats")
    page.get_by_label("Email").fill("owner@shop.example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    row = page.locator(".chat-row")
    expect(row).to_have_count(1)
    # No name and no phone: the chat is shown with the username.
    expect(row).to_contain_text("@giulia.rossi")
    row.first.click()
    expect(page.locator("#page-title")).to_have_text("@giulia.rossi")
    expect(page.locator(".message.inbound")).to_contain_text("Avete la M?")
    page.locator("#reply").fill("Sì, la M c'è in blu.")
    page.locator("#reply").press("Enter")
    expect(page.locator(".message.outbound")).to_contain_text("Sì, la M c'è in blu.")

    phone = page.context.new_page()
    phone.goto(f"{world.emulator_url}/phone/{customer['user_id']}")
    expect(phone.locator("#me")).to_have_text("@giulia.rossi")
    expect(phone.locator(".msg.out")).to_contain_text("Sì, la M c'è in blu.")
    sent = httpx.get(f"{world.emulator_url}/_emulator/sent").json()
    assert sent[0]["body"]["recipient"] == customer["user_id"] and "to" not in sent[0]["body"]

    phone.get_by_role("button", name="Share my phone number").click()
    expect(phone.get_by_role("button", name="Share my phone number")).to_be_hidden()
    phone.locator("#text").fill("Ecco il mio numero")
    phone.locator("#text").press("Enter")
    expect(page.locator(".message.inbound")).to_have_count(3)
    expect(page.locator(".message.inbound").last).to_contain_text("Ecco il mio numero")
    expect(page.locator("#contact-ids")).to_contain_text("+" + customer["phone"])
    phone.close()

    page.goto(f"{world.sportello_url}/chats")
    expect(page.locator(".chat-row")).to_have_count(1)
    chats = wait_for(lambda: httpx.get(f"{world.emulator_url}/_emulator/conversations/{customer['phone']}").json())
    assert [m["direction"] for m in chats["messages"]] == ["in", "out", "in", "in"]
