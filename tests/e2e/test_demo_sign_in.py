"""The README's first command brings the demo up, and a person signs in with Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from support.browser import chromium
from support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


@dataclass
class Demo:
    url: str
    credentials: dict[str, object]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo-data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    process = subprocess.Popen(
        ["bash", str(REPO / "scripts" / "demo.sh"), "--port", str(port), "--data-dir", str(data_dir)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the demo stopped: {process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the demo did not come up within 120 s")
            time.sleep(0.3)
        credentials = json.loads((data_dir / "demo-credentials.json").read_text())
        yield Demo(url=url, credentials=credentials)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stdout:
            process.stdout.close()


@pytest.fixture
def page(demo: Demo) -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()


def test_demo_writes_credentials_a_script_can_use(demo: Demo) -> None:
    assert demo.credentials["app_url"] == demo.url
    assert demo.credentials["login_url"] == f"{demo.url}/login"
    assert isinstance(demo.credentials["owner_email"], str) and isinstance(demo.credentials["owner_password"], str)


def test_owner_signs_in_manages_a_user_and_signs_out(demo: Demo, page: Page) -> None:
    page.goto(f"{demo.url}/users")
    expect(page).to_have_url(f"{demo.url}/login?next=/users")
    page.get_by_label("Email").fill(str(demo.credentials["owner_email"]))
    page.get_by_label("Password").fill(str(demo.credentials["owner_password"]))
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{demo.url}/users")
    expect(page.get_by_role("heading", name="Users & Roles")).to_be_visible()
    table = page.locator("#users-table")
    expect(table).to_contain_text(str(demo.credentials["owner_email"]))
    expect(table).to_contain_text("Owner")

    form = page.locator("#add-user")
    form.get_by_label("Name").fill("Giulia <b>Rossi</b>")
    form.get_by_label("Email").fill("giulia@demo-shop.example.com")
    form.get_by_label("Role").select_option("Chat Operator")
    form.get_by_label("Password (at least 10 characters)").fill("giulia-password-1")
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_have_text("Giulia <b>Rossi</b> was added.")
    row = table.locator("tr", has_text="giulia@demo-shop.example.com")
    # User content is shown as text, never as markup.
    expect(row).to_contain_text("Giulia <b>Rossi</b>")
    assert row.locator("b").count() == 0

    row.get_by_label("Role of Giulia <b>Rossi</b>").select_option("Chat Manager")
    expect(page.get_by_role("status")).to_have_text("The role of Giulia <b>Rossi</b> was changed.")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove Giulia <b>Rossi</b>").click()
    expect(page.get_by_role("status")).to_have_text("Giulia <b>Rossi</b> was removed.")
    expect(table).not_to_contain_text("giulia@demo-shop.example.com")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{demo.url}/login")


def test_wrong_password_shows_a_translated_error(demo: Demo, page: Page) -> None:
    page.goto(f"{demo.url}/login?language=es")
    page.get_by_label("Correo electrónico").fill(str(demo.credentials["owner_email"]))
    page.get_by_label("Contraseña").fill("not-the-password")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_have_text("El correo o la contraseña no son correctos.")


def test_demo_api_key_and_service_users_open_frame_sessions(demo: Demo) -> None:
    service_users = demo.credentials["service_users"]
    assert isinstance(service_users, list) and len(service_users) == 2
    assert {u["role"] for u in service_users} == {"Chat Manager", "Chat Operator"}
    for user in service_users:
        token = httpx.post(
            f"{demo.url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": str(demo.credentials["api_key"])},
            json={"email": user["email"], "private_key": user["private_key"]},
        )
        assert token.status_code == 200, token.text
        frame = httpx.post(f"{demo.url}/api/1/auth/exchange/", json=token.json())
        assert frame.status_code == 200 and frame.json()["user"]["email"] == user["email"]


def _sign_in(page: Page, demo: Demo, path: str) -> None:
    page.goto(f"{demo.url}/login?next={path}")
    page.get_by_label("Email").fill(str(demo.credentials["owner_email"]))
    page.get_by_label("Password").fill(str(demo.credentials["owner_password"]))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{demo.url}{path}")


def test_owner_requests_an_api_key_and_sees_it_once(demo: Demo, page: Page) -> None:
    _sign_in(page, demo, "/integrations")
    expect(page.get_by_role("heading", name="Integrations / API", level=1)).to_be_visible()
    form = page.locator("#request-key")
    form.get_by_label("Motivation").fill("Too short")
    form.get_by_role("button", name="Request API key").click()
    expect(form.get_by_role("status")).to_have_text("Write a motivation of 20 to 2,000 characters.")

    form.get_by_label("Motivation").fill("I want to embed the chat in the contact page of our ERP.")
    form.get_by_label("Allowed web origins").fill("https://erp.example.com")
    form.get_by_role("button", name="Request API key").click()
    expect(page.get_by_role("heading", name="Save your API key now")).to_be_visible()
    shown = page.locator("#new-key-value").input_value()
    assert shown.startswith("spk_") and len(shown) > 40
    card = page.locator("article.key", has_text="embed the chat in the contact page of our ERP")
    expect(card).to_contain_text("Pending")
    expect(card).to_contain_text("up to 48 hours")

    page.reload()
    expect(page.locator("#new-key-value")).to_have_count(0)
    expect(page.get_by_text(shown)).to_have_count(0)


def test_owner_adds_a_service_user_and_generates_its_private_key(demo: Demo, page: Page) -> None:
    _sign_in(page, demo, "/users")
    form = page.locator("#add-service-user")
    form.get_by_label("Name").fill("ERP bridge")
    form.get_by_role("button", name="Add service user").click()
    dialog = page.get_by_role("dialog", name="Private key of ERP bridge")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Generate new Private Key").click()
    key = dialog.locator("#key-value").input_value()
    email = dialog.locator("#key-email").input_value()
    assert key.startswith("sppk_") and email.endswith("@service.sportello")
    dialog.get_by_role("button", name="Close").click()
    row = page.locator("#users-table tr", has_text="ERP bridge")
    expect(row).to_contain_text("Service user")

    token = httpx.post(
        f"{demo.url}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": str(demo.credentials["api_key"])},
        json={"email": email, "private_key": key},
    )
    assert token.status_code == 200


def test_demo_customers_reach_sportello_and_the_phone_page_writes(demo: Demo, page: Page) -> None:
    emulator = str(demo.credentials["emulator_url"])

    def delivered() -> int:
        return int(httpx.get(f"{emulator}/_emulator/webhooks").json()["delivered"])

    deadline = time.monotonic() + 20
    while delivered() < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert delivered() >= 2, "the demo customers' messages reached Sportello's webhook"

    phone_urls = demo.credentials["customer_phone_urls"]
    assert isinstance(phone_urls, list)
    page.goto(str(phone_urls[0]))
    expect(page.locator("#messages")).to_contain_text("Avete la giacca blu in taglia M?")
    before = delivered()
    page.get_by_label("Message").fill("Posso passare in negozio domani?")
    page.get_by_label("Message").press("Enter")
    expect(page.locator("#messages")).to_contain_text("Posso passare in negozio domani?")
    deadline = time.monotonic() + 10
    while delivered() <= before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert delivered() > before


def test_a_newcomer_sees_every_tab_of_the_demo_chat_working(demo: Demo, page: Page) -> None:
    api = httpx.Client(base_url=demo.url, headers={"X-Spoki-Api-Key": str(demo.credentials["api_key"])})
    with api:
        deadline = time.monotonic() + 20
        while not (found := api.get("/api/1/contacts/", params={"search": "393331234567"}).json()["results"]):
            assert time.monotonic() < deadline, "the demo customer wrote"
            time.sleep(0.2)
    chat = f"/chats/{found[0]['chat_uuid']}"
    _sign_in(page, demo, chat)
    expect(page.locator("#no-number")).to_have_count(0)

    page.get_by_role("tab", name="Templates").click()
    choice = page.locator("#template-choice")
    expect(choice.locator("option")).to_have_text(
        ["delivery_update (es)", "thanks_for_visiting (it)", "order_ready (it)"]
    )
    choice.select_option(label="order_ready (it)")
    page.get_by_label("NAME").fill("Giulia")
    page.get_by_label("ORDER").fill("A-1042")
    expect(page.locator(".template-preview-box")).to_contain_text("Ordine A-1042")
    expect(page.locator(".template-preview-box")).to_contain_text("Passo oggi")
    page.locator("#template-send").click()
    expect(page.locator(".message", has_text="il tuo ordine A-1042").last).to_be_visible()

    page.get_by_role("tab", name="PayPal").click()
    expect(page.locator("#panel-paypal")).to_be_visible()
    expect(page.locator("#panel-paypal")).not_to_contain_text("not enabled")

    page.get_by_role("tab", name="Reply").click()
    page.locator("#reply").press_sequentially("/ora")
    page.get_by_role("option", name="Orari").click()
    expect(page.locator("#reply")).to_have_value(
        "Ciao Giulia! Siamo aperti dal lunedì al sabato, 9:30-19:30. Ti aspettiamo in Via Roma 12."
    )
