"""What the agent sees of each kind of message, in Chromium inside a 450x600 frame, against real
servers and the emulator: the ad a customer came from (its link opening safely), an unsupported
message in words with Meta's reason, a reaction on its message (a new one replacing the last, a
removed one gone, never a blank), a place named once with its address and a map link, and the
agent's own template with the buttons the customer sees."""

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
from support.seeding import Integration, add_service_user_with_key
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser

GIULIA = "393331234567"
AD = {
    "source_url": "https://fb.me/3cr4Wqqkv",
    "source_id": "120226305854810726",
    "source_type": "ad",
    "headline": "Summer <b>sale</b>",
    "body": "Linen shirts, 30% off",
    "media_type": "image",
    "image_url": "https://scontent.xx.fbcdn.net/v/t45.1-example.jpg",
    "ctwa_clid": "Aff-n8ZTODiE79d22KtAwQ",
    "welcome_message": {"text": "Hi! How can we help?"},
}
TEMPLATE = {
    "name": "order_shipped",
    "language": "en",
    "category": "UTILITY",
    "content": {
        "body": "Hi %%NAME%%, your order left our shop today.",
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Thanks"},
            {"type": "URL", "text": "Track it", "url": "https://shop.example.com/track/%%PARCEL%%"},
            {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+39 02 1234 5678"},
        ],
        "examples": {"NAME": "Giulia", "PARCEL": "PX-9"},
    },
}


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
        context = browser.new_context(locale="en-US", viewport={"width": 450, "height": 600})
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()


def seeded(seed: Callable[..., Integration], *args: Any, **options: Any) -> Integration:
    """Seeded in a thread of its own: this one runs Playwright's event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(seed, *args, **options).result()


def say(world: World, **body: Any) -> str:
    answer = httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": GIULIA, "name": "Giulia", **body})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["wamid"])


def chat_frame_url(world: World, who: Integration, chat_uuid: str) -> str:
    """What a host's backend does: mint a token for its user, put it in the iframe's address."""
    token = httpx.post(
        f"{world.sportello_url}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": who.api_key},
        json={"email": who.email, "private_key": who.private_key},
    )
    assert token.status_code == 200, token.text
    minted = token.json()
    return f"{world.sportello_url}/chats/{chat_uuid}?auth_token={minted['token']}&auth_uid={minted['uid']}&language=en"


def send_template(world: World, crm: Integration) -> str:
    """The agent's template, through the API: requested, approved by the emulator, sent."""
    with httpx.Client(base_url=world.sportello_url, headers={"X-Spoki-Api-Key": crm.api_key}) as api:
        created = api.post("/api/1/templates/", json=TEMPLATE)
        assert created.status_code == 201, created.text
        template_id = created.json()["id"]
        assert api.post(f"/api/1/templates/{template_id}/submit/").status_code == 200
        wait_for(lambda: api.get(f"/api/1/templates/{template_id}/").json()["status"] == "approved")
        sent = api.post(
            "/api/1/messages/send/",
            json={
                "phone": f"+{GIULIA}",
                "type": "Template",
                "template": template_id,
                "custom_fields": {"NAME": "Giulia", "PARCEL": "ZX-42"},
            },
        )
        assert sent.status_code == 201, sent.text
        return str(sent.json()["chat_uuid"])


def test_the_agent_sees_each_kind_as_a_person_would_in_a_small_frame(world: World, page: Page) -> None:
    crm = seeded(add_service_user_with_key, world.settings, world.account_id, role=Role.CHAT_MANAGER, name="CRM")
    say(world, text="Do you have it in blue?", referral=AD)
    say(world, type="unsupported", unsupported_type="edit")
    say(
        world,
        type="location",
        latitude=45.4642,
        longitude=9.19,
        location_name="Negozio Centro",
        location_address="Via Roma 1, Milano",
    )
    chat_uuid = send_template(world, crm)
    wamid = wait_for(
        lambda: [
            m["wamid"]
            for m in httpx.get(f"{world.emulator_url}/_emulator/conversations/{GIULIA}").json()["messages"]
            if m["type"] == "template"
        ]
    )[0]
    say(world, type="reaction", message_id=wamid, emoji="👍")
    say(world, type="reaction", message_id=wamid, emoji="❤️")

    page.goto(chat_frame_url(world, crm, chat_uuid))
    expect(page.locator(".message")).to_have_count(4)

    # The ad: its headline as text (never markup), its description, its link opening in a new tab.
    # Webhooks may arrive in any order (as Meta's do): each message is found by what it is.
    first = page.locator(".message.inbound", has=page.locator(".ad-card"))
    card = first.locator(".ad-card")
    expect(card.locator(".ad-title")).to_have_text("From your ad: Summer <b>sale</b>")
    assert card.locator("b").count() == 0, "the customer's (or Meta's) text is never HTML"
    expect(card).to_contain_text("Linen shirts, 30% off")
    link = card.get_by_role("link", name="Open the ad")
    expect(link).to_have_attribute("href", "https://fb.me/3cr4Wqqkv")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(first.locator(".text")).to_have_text("Do you have it in blue?")

    # Unsupported: a sentence with Meta's reason, not an empty bubble.
    expect(page.locator(".message.inbound .unsupported")).to_have_text(
        "This message can't be shown here "
        "(Message type unknown · Message type is currently not supported. · kind: edit)."
    )

    # A place: its name once, its address, a map link built from the coordinates.
    place = page.locator(".message.inbound", has=page.locator(".location"))
    expect(place.locator(".location-name")).to_have_text("Negozio Centro")
    expect(place.locator(".location-name svg.icon-pin")).to_have_count(1)
    expect(place.locator(".location-address")).to_have_text("Via Roma 1, Milano")
    assert place.inner_text().count("Negozio Centro") == 1
    map_link = place.get_by_role("link", name="Open the map")
    expect(map_link).to_have_attribute(
        "href", "https://www.openstreetmap.org/?mlat=45.4642&mlon=9.19#map=16/45.4642/9.19"
    )
    expect(map_link).to_have_attribute("rel", "noopener noreferrer")
    expect(map_link).to_have_attribute("target", "_blank")

    # The agent's template, with the buttons the customer sees; the customer's last reaction on it.
    template = page.locator(".message.template")
    expect(template.locator(".text")).to_have_text("Hi Giulia, your order left our shop today.")
    buttons = template.get_by_role("group", name="Buttons the customer sees")
    expect(buttons.locator(".button-chip")).to_have_text(["Thanks", "Track it", "Call us"])
    expect(buttons.get_by_role("link", name="Track it")).to_have_attribute(
        "href", "https://shop.example.com/track/ZX-42"
    )
    expect(buttons.get_by_role("link", name="Track it")).to_have_attribute("rel", "noopener noreferrer")
    expect(buttons.get_by_role("link", name="Call us")).to_have_attribute("href", "tel:+390212345678")
    expect(template.locator(".reaction-badge")).to_have_text(["❤️"])
    expect(template.get_by_role("img", name="The customer reacted ❤️")).to_be_visible()
    expect(page.locator(".reaction-line")).to_have_count(0)

    # The customer takes their reaction back: it is gone from the message, with no blank left.
    say(world, type="reaction", message_id=wamid, emoji="")
    expect(template.locator(".reaction-badge")).to_have_count(0)
    expect(page.locator(".reaction-line")).to_have_count(0)
    expect(page.locator(".message")).to_have_count(4)

    assert page.evaluate("document.documentElement.scrollWidth") <= 450, "nothing overflows a 450 px frame"
