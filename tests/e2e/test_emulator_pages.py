"""The emulator's pages driven in Chromium, with Sportello on the other end: a customer taps a
reply button on their phone; an operator of the emulator rejects a template by hand; and a
script writes with 'sportello emulator say'."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.messages import service as messages_service
from sportello.messages.models import Direction, Message, MessageKind
from sportello.settings import Settings
from support.browser import chromium
from support.world import World, running_world, wait_for

pytestmark = pytest.mark.browser
CUSTOMER = "393331234567"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings, template_review_seconds=120) as world:
        yield world


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page


def _inbound(world: World) -> list[Message]:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Message]:
        async with unit_of_work(sessionmaker) as session:
            rows = await session.scalars(
                select(Message).where(Message.direction == Direction.INBOUND).order_by(Message.id)
            )
            return list(rows.all())

    result: list[Message] = world.run(work)
    return result


def test_the_customer_taps_a_reply_button_and_sportello_gets_it(world: World, page: Page) -> None:
    httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": CUSTOMER, "text": "Vorrei un appuntamento"})
    wait_for(lambda: _inbound(world))

    async def ask(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            chat = await session.scalar(select(Chat))
            assert chat is not None
            contact = await session.get(Contact, chat.contact_id)
            assert contact is not None
            await messages_service.send(
                session,
                chat=chat,
                contact=contact,
                sender_user_id=None,
                outgoing=messages_service.Outgoing(
                    kind=MessageKind.MESSAGE,
                    content_type="Interactive",
                    text="Va bene domani alle 10?",
                    content={"buttons": [{"id": "yes", "title": "Sì"}, {"id": "no", "title": "Un altro giorno"}]},
                ),
            )

    world.run(ask)
    world.sportello.state.workers.sender.wake()
    page.goto(f"{world.emulator_url}/phone/{CUSTOMER}")
    expect(page.locator("#messages")).to_contain_text("Va bene domani alle 10?")
    page.get_by_role("button", name="Sì").click()
    replies = wait_for(lambda: [m for m in _inbound(world) if m.content_type == "Interactive"])
    assert replies[0].text == "Sì" and replies[0].content["interactive"]["id"] == "yes"
    assert replies[0].reply_to_meta_id


def test_a_template_is_rejected_by_hand_on_the_review_page(world: World, page: Page) -> None:
    business = world.business
    created = httpx.post(
        f"{world.emulator_url}/v23.0/{business.waba_id}/message_templates",
        headers={"Authorization": f"Bearer {business.access_token}"},
        json={
            "name": "spring_sale",
            "category": "MARKETING",
            "language": "it",
            "components": [{"type": "BODY", "text": "Saldi di primavera: -{{1}}%!"}],
        },
    )
    template_id = created.json()["id"]
    page.goto(f"{world.emulator_url}/templates")
    row = page.locator(f'tr[data-template-id="{template_id}"]')
    expect(row).to_contain_text("PENDING")
    row.get_by_label("Reason to reject spring_sale").select_option("PROMOTIONAL")
    row.get_by_role("button", name="Reject").click()
    expect(row).to_contain_text("REJECTED (PROMOTIONAL)")
    listed = httpx.get(
        f"{world.emulator_url}/v23.0/{business.waba_id}/message_templates",
        headers={"Authorization": f"Bearer {business.access_token}"},
    ).json()["data"]
    assert listed[0]["status"] == "REJECTED"


def test_a_script_writes_with_emulator_say(world: World) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sportello",
            "emulator",
            "say",
            "--from",
            "+" + CUSTOMER,
            "--name",
            "Giulia",
            "--url",
            world.emulator_url,
            "Ci sono novità?",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    stored = wait_for(lambda: _inbound(world))
    assert stored[0].text == "Ci sono novità?"
    nobody = subprocess.run(
        [
            sys.executable,
            "-m",
            "sportello",
            "emulator",
            "say",
            "--from",
            "+" + CUSTOMER,
            "--url",
            "http://127.0.0.1:1",
            "x",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert nobody.returncode == 1 and "does not answer" in nobody.stderr
