"""A live socket hears only of what its session may read over REST: a Chat Operator of the chats
assigned to them (assignments of other chats included), a frame without the chat list of the
one chat it was opened on. Each test ends on an event the socket must hear, so "heard nothing
of the others" is checked up to a point it reached, not only for a while."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts.models import Role
from sportello.credentials.models import FrameSession
from sportello.db.unit_of_work import unit_of_work
from sportello.kit import secrets as kit_secrets
from sportello.settings import Settings
from support.live import chat_of, heard_until, live_socket, says
from support.seeding import Integration, add_service_user_with_key
from support.sessions import frame_secret, sign_in_person
from support.world import World, running_world

GIULIA, MARCO, LUCA = "+393331234567", "+393471112222", "+393489998877"
OWNER_EMAIL = "owner@shop.example.com"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


def named_chats(events: list[dict[str, Any]]) -> set[str]:
    """Every chat uuid the events tell: their chat, and the `ref` of an assignment (`chats`)."""
    return {value for e in events for value in (e["chat_uuid"], e["ref"] if e["kind"] == "chats" else "") if value}


def test_a_chat_operator_is_told_of_no_chat_but_theirs_even_by_assignments(world: World) -> None:
    operator = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Op")
    colleague = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Other")
    says(world, GIULIA, "Ciao!")
    says(world, MARCO, "Buongiorno")
    giulia, marco = chat_of(world, operator, GIULIA), chat_of(world, operator, MARCO)
    with closing(sign_in_person(world.sportello_url, OWNER_EMAIL)) as owner:

        def assign(chat: str, user: Integration | None) -> None:
            body = {"user_id": int(user.uid) if user else None}
            assert owner.post(f"/web/api/chats/{chat}/assign/", json=body).status_code == 200

        with live_socket(world, frame_secret(world.sportello_url, operator)) as socket:
            # A chat that is not theirs changes hands, then one becomes theirs.
            assign(giulia, colleague)
            assign(marco, operator)
            heard = heard_until(socket, lambda seen: marco in named_chats(seen))
            assert named_chats(heard) == {marco}
            # Theirs is taken away: they are told it left their view, with nothing more of it.
            assign(marco, colleague)
            after = heard_until(socket, lambda seen: any(e["kind"] == "chat_removed" for e in seen))
            removed = [e for e in after if e["kind"] == "chat_removed"]
            assert [e["data"] for e in removed] == [{"uuid": marco}]
            assert named_chats(after) <= {marco}
            # Giulia keeps writing to a chat that is not theirs; Luca's becomes theirs.
            says(world, GIULIA, "Ci sei?")
            says(world, LUCA, "Salve")
            luca = chat_of(world, operator, LUCA)
            assign(luca, operator)
            later = heard_until(socket, lambda seen: luca in named_chats(seen))
            assert named_chats(later) <= {marco, luca}
            assert giulia not in named_chats(heard + after + later)


def bind_frame_to_chat(world: World, secret: str, chat_uuid: str) -> None:
    """What a frame session opened on `chats/<uuid>` records."""

    async def go(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            await session.execute(
                update(FrameSession)
                .where(FrameSession.digest == kit_secrets.digest(secret, world.settings.signing_key))
                .values(page="chat", chat_uuid=chat_uuid)
            )

    world.run(go)


def test_a_frame_without_the_chat_list_hears_only_of_its_own_chat(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    says(world, GIULIA, "Ciao!")
    says(world, MARCO, "Buongiorno")
    giulia, marco = chat_of(world, desk, GIULIA), chat_of(world, desk, MARCO)
    secret = frame_secret(world.sportello_url, desk, can_view_chat_list=False)
    bind_frame_to_chat(world, secret, giulia)
    with live_socket(world, secret, chat=giulia) as socket:
        says(world, MARCO, "Ci siete?")
        says(world, LUCA, "Salve")
        says(world, GIULIA, "Allora?")
        heard = heard_until(socket, lambda seen: any(e["kind"] == "message" for e in seen))
        assert named_chats(heard) == {giulia}
        assert marco not in named_chats(heard)


def test_a_frame_without_the_chat_list_that_names_no_chat_hears_of_none(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    with live_socket(world, frame_secret(world.sportello_url, desk, can_view_chat_list=False)) as socket:
        says(world, GIULIA, "Ciao!")
        # A change that names no chat still arrives, and marks how far the socket was served.
        answer = httpx.post(
            f"{world.sportello_url}/api/1/templates/",
            headers={"X-Spoki-Api-Key": desk.api_key},
            json={
                "name": "ritiro",
                "language": "it",
                "category": "UTILITY",
                "content": {"body": "Il tuo ordine è pronto."},
            },
        )
        assert answer.status_code == 201, answer.text
        heard = heard_until(socket, lambda seen: any(e["kind"] == "template" for e in seen))
        assert named_chats(heard) == set()
