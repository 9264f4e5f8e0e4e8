"""The sender against the emulator: rate limits are waited out, permanent errors end the message
with Meta's code and a sentence for the agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats import service as chats_service
from sportello.contacts import service as contacts_service
from sportello.db.unit_of_work import unit_of_work
from sportello.messages import service as messages_service
from sportello.messages.models import Message, MessageKind, SendStatus
from sportello.settings import Settings
from support.world import World, running_world, wait_for


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _queue(world: World, phone: str, count: int, *, template: bool = False) -> None:
    # The customer writes first, on their phone: both sides see the 24-hour window open.
    httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": phone, "text": "Ciao"}).raise_for_status()
    wait_for(lambda: _statuses(world))

    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            contact = await contacts_service.upsert_from_whatsapp(
                session, account_id=world.account_id, phone=phone, profile_name=""
            )
            chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=world.number_id)
            chat.last_inbound_at = datetime.now(UTC)
            for index in range(count):
                outgoing = messages_service.Outgoing(
                    kind=MessageKind.TEMPLATE if template else MessageKind.MESSAGE,
                    content_type="Template" if template else "Text",
                    text=f"m{index}",
                    content={"template": {"name": "missing_template", "language": "it", "components": []}}
                    if template
                    else {},
                )
                await messages_service.send(session, chat=chat, contact=contact, sender_user_id=None, outgoing=outgoing)

    world.run(work)
    world.sportello.state.workers.sender.wake()


def _statuses(world: World) -> list[tuple[SendStatus, int | None, str]]:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[SendStatus, int | None, str]]:
        async with unit_of_work(sessionmaker) as session:
            rows = (await session.scalars(select(Message).order_by(Message.id))).all()
            return [(m.send_status, m.error_code, m.error_message) for m in rows]

    result: list[tuple[SendStatus, int | None, str]] = world.run(work)
    return result


@pytest.fixture
def slow_meta(settings: Settings) -> Iterator[World]:
    # Meta allows this number 3 messages a second; Sportello thinks it may send 50.
    with running_world(
        settings.model_copy(update={"send_rate_per_second": 50.0}), number_rate_per_second=3, pair_burst=None
    ) as world:
        yield world


def test_rate_limited_sends_are_retried_until_they_pass(slow_meta: World) -> None:
    _queue(slow_meta, "+393331234567", 12)
    wait_for(
        lambda: (
            len(_statuses(slow_meta)) == 13 and all(s is not SendStatus.PENDING for s, _, _ in _statuses(slow_meta))
        ),
        timeout=60,
    )
    outcome = _statuses(slow_meta)
    outbound = {status for status, _, _ in outcome[1:]}  # after the customer's own message
    assert outbound <= {SendStatus.SENT, SendStatus.DELIVERED, SendStatus.READ}, outcome
    sent = httpx.get(f"{slow_meta.emulator_url}/_emulator/sent").json()
    assert len(sent) == 12


def test_a_permanent_error_ends_the_message_with_metas_code(settings: Settings) -> None:
    with running_world(settings) as world:
        _queue(world, "+393331234567", 1, template=True)
        final = wait_for(lambda: [s for s in _statuses(world) if s[0] is SendStatus.ERROR])
    _, code, text = final[0]
    assert code == 132001 and "not approved" in text


@pytest.fixture
def rejecting_meta(settings: Settings) -> Iterator[World]:
    # Every third send answers 130429; retries come back after a short wait.
    fast_retries = settings.model_copy(update={"send_retry_base_seconds": 0.02})
    with running_world(fast_retries, rate_error_every=3, pair_burst=None) as world:
        yield world


def test_messages_to_one_customer_reach_the_phone_in_the_order_they_were_sent(rejecting_meta: World) -> None:
    phone = "393331234567"
    _queue(rejecting_meta, "+" + phone, 50)
    conversation = f"{rejecting_meta.emulator_url}/_emulator/conversations/{phone}"

    def received() -> list[str]:
        return [m["text"] for m in httpx.get(conversation).json()["messages"] if m["direction"] == "out"]

    wait_for(lambda: len(received()) == 50, timeout=90)
    assert received() == [f"m{index}" for index in range(50)]
    accepted = httpx.get(f"{rejecting_meta.emulator_url}/_emulator/sent").json()
    assert [entry["body"]["text"]["body"] for entry in accepted] == [f"m{index}" for index in range(50)]
    outbound = _statuses(rejecting_meta)[1:]
    assert all(status in (SendStatus.SENT, SendStatus.DELIVERED, SendStatus.READ) for status, _, _ in outbound)
