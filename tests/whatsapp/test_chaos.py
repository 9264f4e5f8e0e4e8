"""Duplicated and reordered webhooks (the emulator's chaos flags) end in the same state as
ordered ones: every message once, every status at its furthest point."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.messages import service as messages_service
from sportello.messages.models import Direction, Message, MessageKind, SendStatus
from sportello.settings import Settings
from support.databases import copy_sqlite
from support.world import World, running_world, wait_for

CUSTOMERS = ["+393330000001", "+393330000002", "+393330000003"]


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _outcome(world: World) -> dict[str, object]:
    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, object]:
        async with unit_of_work(sessionmaker) as session:
            rows = (
                await session.execute(
                    select(Message, Contact)
                    .join(Chat, Chat.id == Message.chat_id)
                    .join(Contact, Contact.id == Chat.contact_id)
                )
            ).all()
            inbound = sorted((c.phone, m.text) for m, c in rows if m.direction is Direction.INBOUND)
            outbound = sorted(
                (c.phone, m.text, m.send_status.value) for m, c in rows if m.direction is Direction.OUTBOUND
            )
            return {"inbound": inbound, "outbound": outbound}

    result: dict[str, object] = world.run(work)
    return result


def _play(world: World) -> dict[str, object]:
    for round_ in range(3):
        for customer in CUSTOMERS:
            answer = httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": customer, "text": f"msg {round_}"})
            assert answer.status_code == 200
    wait_for(lambda: len(_outcome(world)["inbound"]) == 9, timeout=30)  # type: ignore[arg-type]

    async def reply(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            for chat in (await session.scalars(select(Chat))).all():
                contact = await session.get(Contact, chat.contact_id)
                assert contact is not None
                for index in range(2):
                    await messages_service.send(
                        session,
                        chat=chat,
                        contact=contact,
                        sender_user_id=None,
                        outgoing=messages_service.Outgoing(kind=MessageKind.MESSAGE, text=f"reply {index}"),
                    )

    world.run(reply)
    world.sportello.state.workers.sender.wake()

    def all_read() -> bool:
        outbound = _outcome(world)["outbound"]
        return len(outbound) == 6 and all(status == SendStatus.READ.value for *_, status in outbound)  # type: ignore[union-attr]

    wait_for(all_read, timeout=60)
    return _outcome(world)


def test_chaotic_webhooks_end_like_ordered_ones(
    settings: Settings, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with running_world(settings, read_without_delivered_probability=0.0, seed=1) as ordered_world:
        ordered = _play(ordered_world)
    chaotic_settings = settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("chaos"),
            "database_url": copy_sqlite(sqlite_template, tmp_path_factory.mktemp("chaos-db")),
        }
    )
    with running_world(
        chaotic_settings,
        duplicate_probability=0.6,
        reorder_window_seconds=0.4,
        seed=2,
        read_without_delivered_probability=0.3,
    ) as chaotic_world:
        chaotic = _play(chaotic_world)
        delivered = httpx.get(f"{chaotic_world.emulator_url}/_emulator/webhooks").json()["delivered"]
    assert chaotic == ordered
    # The chaos really happened: more deliveries than the 9 messages and 6 times 3 statuses.
    assert delivered > 9 + 18
