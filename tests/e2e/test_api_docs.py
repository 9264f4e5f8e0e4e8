"""The browsable API docs render in Chromium with nothing but our own server reachable, under
their strict policy, and the Authorize button sends the API key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Route, expect

from sportello.app import create_app
from sportello.settings import Settings
from support.browser import chromium
from support.seeding import Integration, seed_integration
from support.servers import running_server

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def docs_server(tmp_path: Path, database_url: str) -> Iterator[tuple[str, Integration]]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, log_format="text", run_workers=False)
    integration = seed_integration(settings)
    with running_server(create_app(settings)) as base_url:
        yield base_url, integration


def test_the_api_docs_render_offline_and_send_the_api_key(docs_server: tuple[str, Integration]) -> None:
    base_url, integration = docs_server
    elsewhere: list[str] = []
    violations: list[str] = []

    def only_our_server(route: Route) -> None:
        # The machine is offline as far as the page knows: anything but our server fails.
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    with chromium() as browser:
        page = browser.new_page()
        page.route("**/*", only_our_server)
        page.on("console", on_console)
        page.goto(f"{base_url}/api/1/docs/")

        expect(page.get_by_role("heading", level=1)).to_contain_text("Sportello")
        expect(page.locator(".opblock-summary-path", has_text="/api/1/contacts/").first).to_be_visible()

        # Authorize with the API key, then try an operation: the key goes with the request.
        page.locator("button.authorize").first.click()
        dialog = page.locator(".modal-ux")
        expect(dialog).to_contain_text("X-Spoki-Api-Key")
        api_key_form = dialog.locator(".auth-container", has_text="SpokiApiKey")
        api_key_form.locator("input").fill(integration.api_key)
        api_key_form.locator("button.authorize").click()
        api_key_form.locator("button.btn-done").click()

        operation = page.locator("#operations-contacts-list_contacts_api_1_contacts__get")
        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        with page.expect_response(re.compile(r"/api/1/contacts/")) as answer:
            operation.locator("button.execute").click()
        assert answer.value.status == 200
        assert answer.value.request.headers.get("x-spoki-api-key") == integration.api_key
        expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")

    assert elsewhere == []
    assert violations == []
