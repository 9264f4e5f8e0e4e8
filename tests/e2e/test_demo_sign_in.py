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
    assert isinstance(demo.credentials["owner_email"], str) and isinstance(
        demo.credentials["owner_password"], str
    )


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
