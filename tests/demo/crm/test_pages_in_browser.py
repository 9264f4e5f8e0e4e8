"""The demo CRM in Chromium, on its own origin: the customer list from Sportello, a row opening
that customer's chat in an iframe with a token the backend minted, the options the page offers,
the iframe events it accepts, and the guide's page running under its hash-only CSP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from support.browser import chromium

from .conftest import CrmWorld

pytestmark = pytest.mark.browser

# Playwright's init scripts run whatever the page's CSP says, so this sees every refusal.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US")
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _frame_src(page: Page, container: str) -> str:
    frame = page.locator(f"{container} iframe")
    expect(frame).to_have_count(1)
    src = frame.get_attribute("src")
    assert src is not None
    return src


def _query(src: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(src).query).items()}


def _csp_violations(page: Page) -> list[str]:
    violations: list[str] = page.evaluate("window.cspViolations")
    return violations


def test_a_customer_row_opens_that_customers_chat_in_the_iframe(crm_world: CrmWorld, page: Page) -> None:
    page.goto(crm_world.crm_url)
    expect(page.get_by_role("heading", name="Demo CRM")).to_be_visible()
    rows = page.locator("#customer-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Giulia Rossi")).to_contain_text("+393331234567")
    expect(rows.filter(has_text="Pablo García")).to_contain_text("+34612345678")

    giulia = next(c for c in crm_world.contacts if c["first_name"] == "Giulia")
    page.get_by_role("button", name="Giulia Rossi").click()
    src = _frame_src(page, "#sportello-embedding")
    assert src.startswith(f"{crm_world.sportello_url}/chats/{giulia['chat_uuid']}?auth_token=")
    query = _query(src)
    assert set(query) == {"auth_token", "auth_uid", "language"}
    assert query["auth_uid"] == crm_world.manager.uid and query["language"] == "en"
    expect(page.get_by_role("heading", name="Chat with Giulia Rossi")).to_be_visible()
    assert _csp_violations(page) == []


def test_inbox_and_templates_open_as_the_chosen_user_in_the_chosen_language(crm_world: CrmWorld, page: Page) -> None:
    page.goto(crm_world.crm_url)
    page.get_by_label("Signed in as").select_option(label="CRM operator desk (Chat Operator)")
    page.get_by_label("Language").select_option(label="Italiano")
    page.get_by_label("Reply in the chat").uncheck()

    page.get_by_role("button", name="Open the inbox").click()
    expect(page.locator("#sportello-embedding iframe")).to_have_attribute("title", "Inbox")
    inbox = _frame_src(page, "#sportello-embedding")
    assert inbox.startswith(f"{crm_world.sportello_url}/chats?auth_token=")
    assert _query(inbox) | {"auth_token": ""} == {
        "auth_token": "",
        "auth_uid": crm_world.operator.uid,
        "language": "it",
        "can_reply_in_chat": "false",
    }

    page.get_by_role("button", name="Templates").click()
    expect(page.locator("#sportello-embedding iframe")).to_have_attribute("title", "Templates")
    templates = _frame_src(page, "#sportello-embedding")
    assert templates.startswith(f"{crm_world.sportello_url}/templates?auth_token=")
    assert _query(templates)["auth_token"] != _query(inbox)["auth_token"], "a fresh single-use token each time"
    assert _csp_violations(page) == []


def test_only_events_from_the_app_origin_reach_the_badge_and_the_log(crm_world: CrmWorld, page: Page) -> None:
    page.goto(crm_world.crm_url)
    badge, log = page.locator("#unread-badge"), page.locator("#event-log li")
    expect(badge).to_be_hidden()

    # A real message from another origin (this page itself): the page's listener, registered
    # first, has run by the time this one resolves.
    page.evaluate(
        """() => new Promise((resolve) => {
          window.addEventListener("message", () => resolve(), { once: true });
          window.postMessage({ eventType: "hasUnreadChatsChanged", data: { hasUnreadChats: true } }, "*");
        })"""
    )
    expect(badge).to_be_hidden()
    expect(log).to_have_count(0)

    def from_app(event_type: str, data: object) -> None:
        page.evaluate(
            "([origin, data]) => window.dispatchEvent(new MessageEvent('message', { origin, data }))",
            [crm_world.sportello_url, {"eventType": event_type, "data": data}],
        )

    from_app("hasUnreadChatsChanged", {"hasUnreadChats": True})
    expect(badge).to_be_visible()
    expect(badge).to_have_text("Unread chats")
    from_app("chatsChanged", {"chats": [{"uuid": "a"}, {"uuid": "b"}], "hasFilters": True, "page": 1})
    from_app(
        "chatMessagesChanged",
        {"chat": {"contact": {"first_name": "<b>Giulia</b>", "last_name": "Rossi"}}, "page": 1, "messages": [{}]},
    )
    from_app("hasUnreadChatsChanged", {"hasUnreadChats": False})
    expect(badge).to_be_hidden()

    expect(log).to_have_count(4)
    expect(log.nth(0)).to_contain_text("hasUnreadChatsChanged no unread chats")
    expect(log.nth(1)).to_contain_text("chatMessagesChanged 1 message on page 1 of the chat with <b>Giulia</b> Rossi")
    expect(log.nth(2)).to_contain_text("chatsChanged 2 chats on page 1, filtered")
    expect(log.nth(3)).to_contain_text("hasUnreadChatsChanged there are unread chats")
    assert page.locator("#event-log b").count() == 0, "event data is shown as text, never as markup"

    page.get_by_role("button", name="Clear").click()
    expect(log).to_have_count(0)


def test_the_guide_page_runs_the_guides_snippet_under_its_csp(crm_world: CrmWorld, page: Page) -> None:
    page.goto(f"{crm_world.crm_url}/guide")
    expect(page.get_by_role("link", name="Demo CRM")).to_have_attribute("href", "/")
    src = _frame_src(page, "#spoki-embedding")
    assert src.startswith(f"{crm_world.sportello_url}/chats?auth_token=")
    assert src.endswith(f"&auth_uid={crm_world.manager.uid}&language=en")
    # The guide's inline style applies too: the iframe sits fixed at the bottom right.
    frame = page.locator("#spoki-embedding iframe")
    assert frame.evaluate("(el) => getComputedStyle(el).position") == "fixed"
    assert _csp_violations(page) == []
