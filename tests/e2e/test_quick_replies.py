"""Quick replies in Debian's Chromium against real servers and the emulator: the composer's `/`
list in the guide's 450x600 frame and at 320 px, for a Chat Manager and a Chat Operator (filter by
typing, arrows, Enter and Tab insert the text filled from the contact, Esc closes, the mouse too,
never over Send); and the full app's page that manages them, in the user's language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Frame, Page, expect

from sportello.accounts.models import Role, User
from sportello.accounts.passwords import hash_password
from sportello.accounts.service import create_account
from sportello.db.unit_of_work import unit_of_work
from sportello.settings import Settings
from support.browser import chromium, frame_of, host_app
from support.contrast import contrast_failures
from support.databases import make_sqlite_template, sqlite_url
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
HOST_PAGE = """<!doctype html><html><head><title>Host CRM</title></head>
<body><div id="frames"></div><script src="/host.js"></script></body></html>"""
HOST_JS = """
const [src, width, height] = JSON.parse(new URLSearchParams(location.search).get("frame"));
const frame = document.createElement("iframe");
Object.assign(frame, { name: "frame0", src, width, height });
frame.style.border = "0";
document.getElementById("frames").appendChild(frame);
"""
REPLIES = (
    {"title": "Hours", "text": "Hi {{first_name}}, we are open 9-18."},
    {"title": "Shipping", "text": "Dear {{name}}, your parcel leaves today. {{tracking}}"},
)


class Setup:
    def __init__(self, world: World, host: str, manager: Integration, operator: Integration, chat_uuid: str) -> None:
        self.world, self.host, self.manager, self.operator = world, host, manager, operator
        self.chat_uuid = chat_uuid

    def frame_url(self, who: Integration, path: str, width: int, height: int, language: str = "en") -> str:
        minted = httpx.post(
            f"{self.world.sportello_url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": who.api_key},
            json={"email": who.email, "private_key": who.private_key},
        )
        assert minted.status_code == 200, minted.text
        token = minted.json()
        src = (
            f"{self.world.sportello_url}{path}?auth_token={token['token']}&auth_uid={token['uid']}&language={language}"
        )
        return f"{self.host}/?frame={quote(json.dumps([src, width, height]))}"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("quick-replies")
    make_sqlite_template(data)
    settings = Settings(data_dir=data, database_url=sqlite_url(data / "template.db"), log_format="text")
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    with running_world(settings) as world:
        manager = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk", allowed_origins=[host]
        )
        operator = add_service_user_with_key(
            world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Operator", allowed_origins=[host]
        )
        with httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": manager.api_key}) as api:
            for reply in REPLIES:
                assert api.post("/api/1/quick_replies/", json=reply).status_code == 201
            said = httpx.post(
                f"{world.emulator_url}/_emulator/say",
                json={"from": "393331234567", "name": "Giulia Rossi", "text": "Ciao!"},
            )
            assert said.status_code == 200
            contact = wait_for(
                lambda: api.get("/api/1/contacts/", params={"search": "393331234567"}).json()["results"]
            )[0]
            assigned = api.post(f"/api/1/contacts/{contact['id']}/add_operator/", json={"email": operator.email})
            assert assigned.status_code == 200, assigned.text
        with running_server(host_app(HOST_PAGE, HOST_JS), port=host_port):
            yield Setup(world, host, manager, operator, contact["chat_uuid"])


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1000, "height": 700}, locale="en-US")
        context.set_default_timeout(15_000)
        yield context
        context.close()


def _send_is_uncovered(frame: Frame) -> bool:
    """The Send button is in the frame and is what a click on its middle reaches."""
    covered: bool = frame.evaluate(
        """() => { const send = document.getElementById("reply-send"); const r = send.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const inside = r.bottom <= innerHeight && r.right <= innerWidth && r.top >= 0;
        return inside && (hit === send || send.contains(hit)); }"""
    )
    return covered


@pytest.mark.parametrize("who", ["manager", "operator"])
@pytest.mark.parametrize(("width", "height"), [(450, 600), (320, 600)])
def test_slash_opens_the_quick_replies_and_inserts_the_text_filled_for_the_contact(
    setup: Setup, page: Page, who: str, width: int, height: int
) -> None:
    user = setup.manager if who == "manager" else setup.operator
    page.goto(setup.frame_url(user, f"/chats/{setup.chat_uuid}", width, height))
    frame = frame_of(page)
    reply = frame.locator("#reply")
    expect(reply).to_be_focused()
    listbox = frame.get_by_role("listbox", name="Quick replies")
    options = listbox.get_by_role("option")

    reply.press_sequentially("/")
    expect(options).to_have_count(2)
    expect(reply).to_have_attribute("aria-expanded", "true")
    assert _send_is_uncovered(frame), "the list never covers Send"
    assert contrast_failures(frame) == []
    assert frame.evaluate("document.documentElement.scrollWidth <= innerWidth"), "nothing cut off sideways"

    reply.press_sequentially("hou")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Hours")
    reply.press("Enter")
    expect(reply).to_have_value("Hi Giulia, we are open 9-18.")
    expect(listbox).to_be_hidden()

    # After a space, arrows choose and Tab inserts; a field the contact has not stays visible.
    reply.press_sequentially(" /")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    reply.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    reply.press("ArrowUp")
    reply.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true"), "the arrows wrap around"
    reply.press("Tab")
    expect(reply).to_have_value(
        "Hi Giulia, we are open 9-18. Dear Giulia Rossi, your parcel leaves today. {{tracking}}"
    )
    expect(reply).to_be_focused()

    # Esc closes and the list stays closed while that word is typed on; a slash inside a word is no trigger.
    reply.fill("")
    reply.press_sequentially("/sh")
    expect(options).to_have_count(1)
    reply.press("Escape")
    expect(listbox).to_be_hidden()
    reply.press_sequentially("i")
    expect(listbox).to_be_hidden()
    reply.fill("")
    reply.press_sequentially("and/or")
    expect(listbox).to_be_hidden()

    # The mouse: a click on a reply inserts it.
    reply.fill("")
    reply.press_sequentially("/")
    options.filter(has_text="Shipping").click()
    expect(reply).to_have_value("Dear Giulia Rossi, your parcel leaves today. {{tracking}}")
    reply.press_sequentially(" /nothing")
    expect(listbox).to_contain_text("No quick reply matches.")
    reply.press("Escape")

    # With the list closed, Enter sends as before.
    reply.fill("Grazie!")
    reply.press("Enter")
    expect(reply).to_have_value("")
    expect(frame.locator(".message", has_text="Grazie!").last).to_be_visible()


def _person(world: World, account_id: int, role: Role, email: str) -> None:
    async def go(sessionmaker: Any) -> None:
        async with unit_of_work(sessionmaker) as session:
            session.add(
                User(
                    account_id=account_id,
                    email=email,
                    name=email.split("@")[0],
                    role=role,
                    password_hash=hash_password(PASSWORD),
                )
            )

    world.run(go)


def _new_account(world: World, name: str) -> int:
    async def go(sessionmaker: Any) -> int:
        async with unit_of_work(sessionmaker) as session:
            account, _ = await create_account(
                session, name=name, owner_email=f"owner@{name.lower()}.example.com", owner_password=PASSWORD
            )
            return account.id

    account_id: int = world.run(go)
    return account_id


def _sign_in(page: Page, base: str, email: str, path: str) -> None:
    page.goto(f"{base}/login?next={path}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}{path}")


def test_the_quick_replies_page_adds_edits_and_deletes_in_the_users_language(setup: Setup, page: Page) -> None:
    world = setup.world
    account_id = _new_account(world, "Bottega")
    base = world.sportello_url
    _sign_in(page, base, "owner@bottega.example.com", "/quick-replies?language=it")
    expect(page.get_by_role("heading", name="Risposte rapide", level=1)).to_be_visible()
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Risposte rapide")
    expect(page.locator("#quick-replies-empty")).to_have_text(
        "Ancora nessuna risposta rapida. Aggiungi la prima qui sotto."
    )

    form = page.locator("#qr-add")
    form.get_by_role("button", name="Aggiungi risposta").click()
    expect(form.get_by_role("status")).to_have_text("Scrivi un titolo e un testo.")
    form.get_by_label("Titolo (fino a 60 caratteri)").fill("Orari <b>")
    form.get_by_label("Testo (fino a 4.096 caratteri)").fill("Ciao {{first_name}}, siamo aperti 9-18.")
    form.get_by_role("button", name="Aggiungi risposta").click()
    expect(page.locator("#qr-status")).to_have_text("Risposta rapida “Orari <b>” aggiunta.")
    card = page.locator("article.quick-reply", has_text="Orari <b>")
    card = page.locator(f"article[data-quick-reply-id='{card.get_attribute('data-quick-reply-id')}']")
    expect(card).to_contain_text("Ciao {{first_name}}, siamo aperti 9-18.")
    assert card.locator("b").count() == 0, "a title is shown as text, never as markup"
    assert contrast_failures(page) == []

    form = page.locator("#qr-add")
    form.get_by_label("Titolo (fino a 60 caratteri)").fill("orari <B>")
    form.get_by_label("Testo (fino a 4.096 caratteri)").fill("Altro")
    form.get_by_role("button", name="Aggiungi risposta").click()
    expect(form.get_by_role("status")).to_have_text("Esiste già una risposta rapida con questo titolo.")

    card.get_by_role("button", name="Modifica Orari <b>").click()
    card.get_by_label("Testo (fino a 4.096 caratteri)").fill("Siamo aperti 10-19.")
    card.get_by_role("button", name="Salva").click()
    expect(page.locator("#qr-status")).to_have_text("Risposta rapida “Orari <b>” salvata.")
    expect(page.locator("article.quick-reply")).to_contain_text("Siamo aperti 10-19.")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Elimina Orari <b>").click()
    expect(page.locator("#qr-status")).to_have_text("Risposta rapida “Orari <b>” eliminata.")
    expect(page.locator("#quick-replies-empty")).to_be_visible()

    # At 320 px nothing is cut off.
    page.set_viewport_size({"width": 320, "height": 600})
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # A Chat Operator reads them and is told who changes them; no form, no buttons.
    _person(world, account_id, Role.CHAT_OPERATOR, "operator@bottega.example.com")
    page.context.clear_cookies()
    _sign_in(page, base, "operator@bottega.example.com", "/quick-replies")
    expect(page.get_by_role("heading", name="Quick replies", level=1)).to_be_visible()
    expect(page.locator("#quick-replies-empty")).to_have_text(
        "No quick replies yet. A Chat Manager or an Administrator can add them."
    )
    expect(page.locator("#qr-add")).to_have_count(0)
    page.set_viewport_size({"width": 1000, "height": 700})
