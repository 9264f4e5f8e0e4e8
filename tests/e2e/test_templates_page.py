"""The templates page in Chromium: an Owner requests a template with a placeholder, sees the example
field and the preview, submits it, and watches Meta's decision arrive without reloading; inside a
host's frame the page is translated, unbranded, fits 320 px, and a Chat Operator gets no form."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.browser import chromium
from support.seeding import Integration, add_service_user_with_key, seed_integration
from support.world import World, running_world

pytestmark = pytest.mark.browser


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    # Meta's review waits for the test to decide it, so "pending" is seen before "approved".
    with running_world(settings, template_review_seconds=600) as world:
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


def seeded(seed: Callable[..., Integration], *args: Any, **options: Any) -> Integration:
    """Seeded in a thread of its own: this one runs Playwright's event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(seed, *args, **options).result()


def sign_in(page: Page, world: World, path: str) -> None:
    page.goto(f"{world.sportello_url}/login?next={path}")
    page.get_by_label("Email").fill("owner@shop.example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{world.sportello_url}{path}")


def review_at_meta(world: World, decision: str, reason: str = "INVALID_FORMAT") -> None:
    [template] = [t for t in httpx.get(f"{world.emulator_url}/_emulator/templates").json() if t["status"] == "PENDING"]
    answer = httpx.post(
        f"{world.emulator_url}/_emulator/templates/{template['id']}/review",
        json={"decision": decision, "reason": reason},
    )
    assert answer.status_code == 200, answer.text


def frame_url(world: World, who: Integration, language: str) -> str:
    token = httpx.post(
        f"{world.sportello_url}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": who.api_key},
        json={"email": who.email, "private_key": who.private_key},
    )
    assert token.status_code == 200, token.text
    minted = token.json()
    return f"{world.sportello_url}/templates?auth_token={minted['token']}&auth_uid={minted['uid']}&language={language}"


def test_an_owner_requests_a_template_and_sees_it_approved_live(world: World, page: Page) -> None:
    sign_in(page, world, "/templates")
    expect(page.get_by_role("heading", name="Templates", level=1)).to_be_visible()
    expect(page.locator("#templates-empty")).to_have_text("This account has no templates yet.")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    form = page.locator("#template-request")

    name = form.get_by_label("Name", exact=True)
    name.fill("Order Ready")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#template-name-error")).to_contain_text("Use only lowercase letters")
    form.get_by_role("button", name="Use “order_ready”").click()
    expect(name).to_have_value("order_ready")
    expect(name).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#template-name-error")).to_be_hidden()

    form.get_by_label("Category").select_option("UTILITY")
    form.get_by_label("Language").select_option("it")
    expect(page.get_by_label("Example for %%NAME%%")).to_have_count(0)
    form.get_by_label("Body (required)").fill("Ciao %%NAME%%, il tuo ordine è pronto per il ritiro.")
    example = form.get_by_label("Example for %%NAME%%")
    expect(example).to_be_visible()
    preview = page.locator("#template-preview")
    expect(preview.locator(".wa-placeholder")).to_have_text("%%NAME%%")
    example.fill("Giulia <b>Rossi</b>")
    expect(preview).to_contain_text("Ciao Giulia <b>Rossi</b>, il tuo ordine è pronto per il ritiro.")
    assert preview.locator("b").count() == 0, "an example is shown as text, never as markup"
    form.get_by_label("Footer (optional)").fill("Sportello Shop")
    form.get_by_role("button", name="+ Add a quick reply button").click()
    form.get_by_label("Button 1 text").fill("Grazie")
    expect(preview.locator(".wa-footer")).to_have_text("Sportello Shop")
    expect(preview.locator(".wa-button")).to_have_text("Grazie")

    page.evaluate("window.notReloaded = true")
    form.get_by_role("button", name="Submit to Meta for review").click()
    expect(page.locator("#template-form-status")).to_contain_text("order_ready was submitted to Meta")
    row = page.locator("#templates-table tbody tr", has_text="order_ready")
    expect(row).to_have_attribute("data-status", "pending")
    expect(row.locator(".badge")).to_have_text("Pending review")
    expect(row).to_contain_text("Utility")
    expect(name).to_have_value("")  # the form is ready for the next request

    review_at_meta(world, "approve")
    expect(row).to_have_attribute("data-status", "approved")
    expect(row.locator(".badge")).to_have_text("Approved")
    expect(page.locator("#templates-status")).to_have_text("New status of order_ready: Approved.")
    assert page.evaluate("window.notReloaded") is True, "the status changed without a reload"

    # The same name and language again: Meta's rule, told in the form, with the input kept.
    name.fill("order_ready")
    form.get_by_label("Language").select_option("it")
    form.get_by_label("Body (required)").fill("Il tuo ordine è pronto per il ritiro.")
    form.get_by_role("button", name="Submit to Meta for review").click()
    expect(page.locator("#template-form-error")).to_have_text(
        "A template with this name already exists in this language: choose another name."
    )
    expect(name).to_have_value("order_ready")
    expect(name).to_be_focused()

    row.locator("summary").click()
    expect(row.locator(".wa-body")).to_have_text("Ciao Giulia <b>Rossi</b>, il tuo ordine è pronto per il ritiro.")


def test_in_a_frame_the_page_is_italian_unbranded_and_fits_a_narrow_host(world: World, page: Page) -> None:
    manager = seeded(add_service_user_with_key, world.settings, world.account_id, role=Role.CHAT_MANAGER, name="CRM")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(frame_url(world, manager, "it"))
    expect(page.get_by_role("heading", name="Template", level=1)).to_be_visible()
    form = page.locator("#template-request")
    form.get_by_label("Nome", exact=True).fill("promo_reject_me")
    form.get_by_label("Corpo (obbligatorio)").fill("Ciao %%NOME%%, da oggi i saldi sono aperti in negozio.")
    form.get_by_label("Esempio per %%NOME%%").fill("Marco")
    expect(page.locator("#template-preview")).to_contain_text("Ciao Marco, da oggi")
    form.get_by_role("button", name="Invia a Meta per l'approvazione").click()
    row = page.locator("#templates-table tbody tr", has_text="promo_reject_me")
    expect(row.locator(".badge")).to_have_text("In revisione")

    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    review_at_meta(world, "reject", "TAG_CONTENT_MISMATCH")
    expect(row.locator(".badge")).to_have_text("Rifiutato")
    expect(row.locator(".rejection")).to_contain_text(
        "Motivo di Meta: Il contenuto non corrisponde alla categoria scelta."
    )

    assert page.locator(".topbar, .brand, nav[aria-label]").count() == 0, "no branding or navigation in a frame"
    assert page.locator("a[href]").count() == 0, "no links out of the frame"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "nothing overflows a 320 px frame"


def test_a_chat_operator_sees_the_list_but_no_request_form(world: World, page: Page) -> None:
    operator = seeded(add_service_user_with_key, world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Desk")
    page.goto(frame_url(world, operator, "es"))
    expect(page.get_by_role("heading", name="Plantillas", level=1)).to_be_visible()
    expect(page.locator("#templates-empty")).to_have_text("Esta cuenta aún no tiene plantillas.")
    expect(page.locator("#templates-request-not-allowed")).to_contain_text("Solo los Owner")
    expect(page.locator("#template-request")).to_have_count(0)


def test_when_meta_cannot_be_asked_the_draft_stays_and_a_new_try_replaces_it(world: World, page: Page) -> None:
    acme = seeded(seed_integration, world.settings, name="Acme")  # an account with no WhatsApp number
    page.goto(frame_url(world, acme, "en"))
    form = page.locator("#template-request")
    form.get_by_label("Name", exact=True).fill("order_ready")
    form.get_by_label("Body (required)").fill("Your order is ready for pickup.")
    submit = form.get_by_role("button", name="Submit to Meta for review")
    submit.click()
    error = page.locator("#template-form-error")
    expect(error).to_contain_text("saved as a draft but not submitted")
    expect(error).to_contain_text("No WhatsApp number is connected to this account.")
    rows = page.locator("#templates-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-status", "draft")
    expect(form.get_by_label("Name", exact=True)).to_have_value("order_ready")

    submit.click()  # the same request: the same draft is submitted again, not created twice
    expect(error).to_contain_text("saved as a draft but not submitted")
    expect(error).not_to_contain_text("already exists")
    expect(rows).to_have_count(1)

    form.get_by_label("Body (required)").fill("Your order is ready: come and pick it up.")
    submit.click()  # a changed request replaces the draft the form had left
    expect(error).to_contain_text("saved as a draft but not submitted")
    expect(rows).to_have_count(1)
    rows.first.locator("summary").click()
    expect(rows.first.locator(".wa-body")).to_have_text("Your order is ready: come and pick it up.")


def test_a_payment_template_must_carry_the_amount_and_the_link(world: World, page: Page) -> None:
    sign_in(page, world, "/templates")
    form = page.locator("#template-request")
    form.get_by_label("Name", exact=True).fill("pay_now")
    form.get_by_label("Payment request (PayPal)").check()
    expect(form.get_by_label("Category")).to_be_disabled()
    expect(form.get_by_label("Category")).to_have_value("MARKETING")
    form.get_by_label("Body (required)").fill("Please pay %%SPOKI_PAYMENT_REQUEST_AMOUNT%% today, thank you so much.")
    page.get_by_label("Example for %%SPOKI_PAYMENT_REQUEST_AMOUNT%%").fill("EUR 12.50")
    form.get_by_role("button", name="Submit to Meta for review").click()
    expect(page.locator("#template-form-error")).to_contain_text("%%SPOKI_PAYMENT_REQUEST_LINK%%")
    expect(page.locator("#templates-empty")).to_be_visible()  # nothing was saved

    form.get_by_label("Body (required)").fill(
        "Please pay %%SPOKI_PAYMENT_REQUEST_AMOUNT%% here: %%SPOKI_PAYMENT_REQUEST_LINK%% thank you so much."
    )
    page.get_by_label("Example for %%SPOKI_PAYMENT_REQUEST_LINK%%").fill("https://shop.example.com/pay/x")
    form.get_by_role("button", name="Submit to Meta for review").click()
    row = page.locator("tr", has_text="pay_now")
    expect(row).to_contain_text("PayPal")
    expect(row).to_contain_text("Marketing")
