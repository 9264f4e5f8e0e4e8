"""A new account without a WhatsApp number, in Debian's Chromium against real servers and the
emulator: every page says so (a link to Integrations for the Owner, a sentence for a Chat
Operator and inside a host's frame), and the Owner connects the number from the Integrations page
with Test connection showing what Meta says of it (its name and quality)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Page, expect
from pydantic import SecretStr

from sportello.accounts.models import Role, User
from sportello.accounts.passwords import hash_password
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings
from support.browser import chromium, frame_of, host_app
from support.contrast import contrast_failures
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.world import World, running_world

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
OWNER = "owner@shop.example.com"
OPERATOR = "operator@shop.example.com"
HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title></head>
<body><div id="frames"></div><script src="/host.js"></script></body></html>"""
HOST_JS = """
const [src, width, height] = JSON.parse(new URLSearchParams(location.search).get("frame"));
const frame = document.createElement("iframe");
Object.assign(frame, { name: "frame0", src, width, height });
document.getElementById("frames").appendChild(frame);
"""


class Setup:
    def __init__(self, world: World, host: str, desk: Integration) -> None:
        self.world, self.host, self.desk = world, host, desk


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("connect-number")
    make_sqlite_template(data)
    settings = Settings(
        data_dir=data,
        database_url=sqlite_url(data / "template.db"),
        log_format="text",
        webhook_verify_token=SecretStr("paste-me-in-meta"),
    )
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    with running_world(settings, with_number=False) as world:
        desk = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )

        async def operator(sessionmaker: Any) -> None:
            async with unit_of_work(sessionmaker) as session:
                session.add(
                    User(
                        account_id=world.account_id,
                        email=OPERATOR,
                        name="Operator",
                        role=Role.CHAT_OPERATOR,
                        password_hash=hash_password(PASSWORD),
                    )
                )

        world.run(operator)
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            yield Setup(world, host, desk)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


def _sign_in(page: Page, base: str, email: str, path: str) -> None:
    page.goto(f"{base}/login?next={path}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}{path}")


def test_every_page_says_there_is_no_number_yet(setup: Setup, page: Page) -> None:
    base = setup.world.sportello_url
    _sign_in(page, base, OPERATOR, "/chats")
    banner = page.locator("#no-number")
    expect(banner).to_have_text(
        "This account has no WhatsApp number yet: messages cannot be sent or received. "
        "Ask an Administrator to connect one."
    )
    expect(banner.get_by_role("link")).to_have_count(0)
    assert contrast_failures(page) == []
    page.goto(f"{base}/quick-replies")
    expect(banner).to_be_visible()

    # Inside a host's frame, in the frame's language, with no link out of the frame.
    minted = httpx.post(
        f"{base}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": setup.desk.api_key},
        json={"email": setup.desk.email, "private_key": setup.desk.private_key},
    ).json()
    src = f"{base}/chats?auth_token={minted['token']}&auth_uid={minted['uid']}&language=it"
    page.goto(f"{setup.host}/?frame={quote(json.dumps([src, 450, 600]))}")
    frame = frame_of(page)
    expect(frame.locator("#no-number")).to_contain_text("Questo account non ha ancora un numero WhatsApp")
    expect(frame.locator("#no-number a")).to_have_count(0)
    assert frame.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_the_owner_connects_the_number_with_test_connection(setup: Setup, page: Page) -> None:
    world, base = setup.world, setup.world.sportello_url
    _sign_in(page, base, OWNER, "/users")
    banner = page.locator("#no-number")
    expect(banner).to_contain_text("This account has no WhatsApp number yet.")
    banner.get_by_role("link", name="Connect one in Integrations").click()
    page.wait_for_url(f"{base}/integrations#whatsapp")

    card = page.locator("#whatsapp")
    expect(card.get_by_role("heading", name="WhatsApp number")).to_be_visible()
    expect(card.locator("#wa-webhook-url")).to_have_value(f"{world.settings.public_api_url}/webhooks/whatsapp")
    expect(card.locator("#wa-verify-token")).to_have_value("paste-me-in-meta")
    card.get_by_role("button", name="Copy Verify token").click()
    assert page.evaluate("navigator.clipboard.readText()") == "paste-me-in-meta"

    card.get_by_label("Phone number ID").fill(world.business.phone_number_id)
    card.get_by_label("Access token").fill("not-the-token")
    card.get_by_role("button", name="Test connection").click()
    expect(card.locator("#number-status")).to_have_text(
        "Meta refused the access token. Check it (and that it has not expired)."
    )
    card.get_by_label("Access token").fill(world.business.access_token)
    card.get_by_role("button", name="Test connection").click()
    expect(card.locator("#number-status")).to_have_text("Meta answered: the token reaches this number.")
    expect(card.locator("#number-result")).to_contain_text(world.business.verified_name)
    expect(card.locator("#number-result")).to_contain_text("+1 555-078-3881")
    expect(card.locator("#number-quality")).to_have_text("High")
    assert contrast_failures(page) == []

    card.get_by_role("button", name="Connect number").click()
    expect(card.locator("#number-status")).to_have_text("Fill in all four fields.")
    card.get_by_label("WhatsApp Business account ID").fill(world.business.waba_id)
    card.get_by_label("App secret").fill(world.business.app_secret)
    card.get_by_role("button", name="Connect number").click()
    fresh = page.locator("#whatsapp")
    expect(fresh.locator("#number-status")).to_have_text("The number is connected.")
    expect(fresh).to_contain_text("Connected")
    expect(page.locator("#no-number")).to_have_count(0)
    assert world.business.access_token not in page.content(), "a secret is never shown back"
    assert world.business.app_secret not in page.content()

    # Saved: Test connection with the token kept, none typed.
    fresh.locator(f"[data-test-number='{world.business.phone_number_id}']").click()
    expect(fresh.locator("#number-quality")).to_have_text("High")

    page.goto(f"{base}/chats")
    expect(page.get_by_role("heading", name="Chats")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#no-number")).to_have_count(0)
