"""Inbound media: the customer sends a picture → Sportello downloads it with the bearer token and
keeps it → only sessions that may see the chat get it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import make_user
from sportello.accounts.models import Role
from sportello.contacts.models import ContactOperator
from sportello.db.unit_of_work import unit_of_work
from sportello.messages.models import Media, MediaStatus, Message
from sportello.settings import Settings
from support.world import World, running_world, wait_for

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


def _sign_in(url: str, email: str) -> httpx.Client:
    import re

    client = httpx.Client(base_url=url)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    answer = client.post(
        "/login", data={"email": email, "password": "correct-horse-battery", "csrf": csrf.group(1) if csrf else ""}
    )
    if answer.status_code != 303:
        client.close()
        raise AssertionError(f"sign-in failed: {answer.status_code}")
    return client


@pytest.fixture
def clients() -> Iterator[list[httpx.Client]]:
    opened: list[httpx.Client] = []
    yield opened
    for client in opened:
        client.close()


def test_a_customers_picture_is_fetched_and_shown_only_to_who_may_see_the_chat(
    world: World, clients: list[httpx.Client]
) -> None:
    uploaded = httpx.post(
        f"{world.emulator_url}/_emulator/customer_media", files={"file": ("duomo.png", PNG, "image/png")}
    )
    assert uploaded.status_code == 200
    said = httpx.post(
        f"{world.emulator_url}/_emulator/say",
        json={"from": "+393331234567", "type": "image", "media_id": uploaded.json()["media_id"], "caption": "Il Duomo"},
    )
    assert said.status_code == 200

    async def media(sessionmaker: async_sessionmaker[AsyncSession]) -> Media | None:
        async with unit_of_work(sessionmaker) as session:
            found = await session.scalar(select(Media))
            return found if found is not None and found.status is MediaStatus.READY else None

    stored: Media = wait_for(lambda: world.run(media))
    assert stored.mime_type == "image/png" and stored.size == len(PNG)
    assert (world.settings.data_dir / str(stored.storage_path)).read_bytes() == PNG

    owner = _sign_in(world.sportello_url, "owner@shop.example.com")
    clients.append(owner)
    answer = owner.get(f"/web/api/media/{stored.uuid}/")
    assert answer.status_code == 200 and answer.content == PNG
    assert answer.headers["content-type"] == "image/png"
    assert "sandbox" in answer.headers["content-security-policy"]

    async def add_operator(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        from conftest import Tenant
        from sportello.accounts.actor import Actor
        from sportello.accounts.models import User

        async with unit_of_work(sessionmaker) as session:
            owner_user = await session.scalar(select(User).where(User.email == "owner@shop.example.com"))
            assert owner_user is not None
        tenant = Tenant(account_id=world.account_id, owner=owner_user, owner_actor=Actor.of(owner_user))
        operator = await make_user(sessionmaker, tenant, Role.CHAT_OPERATOR, "op@shop.example.com")
        return operator.id

    operator_id = world.run(add_operator)
    operator = _sign_in(world.sportello_url, "op@shop.example.com")
    clients.append(operator)
    assert operator.get(f"/web/api/media/{stored.uuid}/").status_code == 404

    async def assign(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            message = await session.scalar(select(Message))
            assert message is not None
            from sportello.chats.models import Chat

            chat = await session.get(Chat, message.chat_id)
            assert chat is not None
            session.add(ContactOperator(contact_id=chat.contact_id, user_id=operator_id))

    world.run(assign)
    assert operator.get(f"/web/api/media/{stored.uuid}/").content == PNG
    anonymous = httpx.get(f"{world.sportello_url}/api/1/media/{stored.uuid}/")
    assert anonymous.status_code == 401
