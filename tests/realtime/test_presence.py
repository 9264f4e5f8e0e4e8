"""Two agents, one chat: a page says over its live socket that its agent has a chat open or is
typing in it, and the colleagues who may see that chat are told at once (never stored). Each test
ends on a notice the socket must hear, so "heard nothing of the others" is checked up to a point
it reached."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from sportello.accounts.actor import Actor
from sportello.accounts.models import Role
from sportello.realtime import presence
from sportello.realtime.bus import create_bus
from sportello.realtime.service import Audience
from sportello.settings import Settings
from support.live import chat_of, live_socket, says
from support.seeding import Integration, add_service_user_with_key
from support.sessions import frame_secret, sign_in_person
from support.world import World, running_world

GIULIA, MARCO = "+393331234567", "+393471112222"
OWNER_EMAIL = "owner@shop.example.com"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


def present(socket: ClientConnection, chat_uuid: str, state: str) -> None:
    socket.send(json.dumps({"type": "presence", "chat_uuid": chat_uuid, "state": state}))


def notices_until(socket: ClientConnection, wanted: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    """The presence notices the socket hears, until `wanted` says enough."""
    seen: list[dict[str, Any]] = []
    while not wanted(seen):
        message = json.loads(socket.recv(timeout=10))
        if message["type"] == "presence":
            seen.append(message)
    return seen


def told(chat_uuid: str, who: Integration, state: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda seen: any(
        n["chat_uuid"] == chat_uuid and n["user"]["id"] == int(who.uid) and n["state"] == state for n in seen
    )


def test_a_colleague_who_may_see_the_chat_is_told_who_has_it_open_and_who_types(world: World) -> None:
    anna = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Anna")
    bruno = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Bruno")
    says(world, GIULIA, "Ciao!")
    giulia = chat_of(world, anna, GIULIA)
    with (
        live_socket(world, frame_secret(world.sportello_url, anna)) as at_anna,
        live_socket(world, frame_secret(world.sportello_url, bruno)) as at_bruno,
    ):
        present(at_anna, giulia, "viewing")
        [viewing] = notices_until(at_bruno, told(giulia, anna, "viewing"))
        assert viewing == {
            "type": "presence",
            "chat_uuid": giulia,
            "user": {"id": int(anna.uid), "name": "Anna"},
            "state": "viewing",
            "ttl": 70,
        }
        present(at_anna, giulia, "typing")
        [typing] = notices_until(at_bruno, told(giulia, anna, "typing"))
        assert typing["ttl"] == 8
        # Bruno answers that he is there too; Anna hears it, and never hears herself.
        present(at_bruno, giulia, "viewing")
        heard_by_anna = notices_until(at_anna, told(giulia, bruno, "viewing"))
        assert {n["user"]["id"] for n in heard_by_anna} == {int(bruno.uid)}
        # Anna's page closes: Bruno is told at once, not when her presence lapses.
        at_anna.close()
        notices_until(at_bruno, told(giulia, anna, "away"))


def test_the_same_agent_in_another_tab_and_a_chat_operator_not_assigned_hear_nothing(world: World) -> None:
    anna = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Anna")
    operator = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Op")
    says(world, GIULIA, "Ciao!")
    says(world, MARCO, "Buongiorno")
    giulia, marco = chat_of(world, anna, GIULIA), chat_of(world, anna, MARCO)
    with closing(sign_in_person(world.sportello_url, OWNER_EMAIL)) as owner:
        assigned = owner.post(f"/web/api/chats/{marco}/assign/", json={"user_id": int(operator.uid)})
        assert assigned.status_code == 200
        with (
            live_socket(world, frame_secret(world.sportello_url, anna)) as first_tab,
            live_socket(world, frame_secret(world.sportello_url, anna)) as second_tab,
            live_socket(world, frame_secret(world.sportello_url, operator)) as at_operator,
        ):
            present(first_tab, giulia, "typing")
            present(first_tab, marco, "viewing")
            # The operator hears of Marco's chat (theirs) and of nothing before it: not Giulia's.
            heard = notices_until(at_operator, told(marco, anna, "viewing"))
            assert [n["chat_uuid"] for n in heard] == [marco]
            # The operator's own presence reaches Anna's tabs; her first tab's never reached her second.
            present(at_operator, marco, "viewing")
            in_second_tab = notices_until(second_tab, told(marco, operator, "viewing"))
            assert {n["user"]["id"] for n in in_second_tab} == {int(operator.uid)}


def test_a_frame_opened_on_one_chat_tells_its_presence_only_there_and_bad_notices_are_dropped(
    world: World,
) -> None:
    anna = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Anna")
    bruno = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Bruno")
    says(world, GIULIA, "Ciao!")
    says(world, MARCO, "Buongiorno")
    giulia, marco = chat_of(world, anna, GIULIA), chat_of(world, anna, MARCO)
    bound = frame_secret(world.sportello_url, anna, can_view_chat_list=False, page="chat", chat_uuid=giulia)
    with (
        live_socket(world, bound, chat=giulia) as at_anna,
        live_socket(world, frame_secret(world.sportello_url, bruno)) as at_bruno,
    ):
        present(at_anna, marco, "viewing")  # not the frame's chat
        present(at_anna, "f" * 32, "viewing")  # no such chat
        present(at_anna, giulia, "dancing")  # no such state
        at_anna.send(json.dumps({"type": "presence", "chat_uuid": "<b>x</b>", "state": "viewing"}))
        at_anna.send("not json")
        present(at_anna, giulia, "viewing")
        heard = notices_until(at_bruno, told(giulia, anna, "viewing"))
        assert [(n["chat_uuid"], n["state"]) for n in heard] == [(giulia, "viewing")]
        # The socket is still served after what it could not tell.
        at_anna.send('{"type":"ping"}')
        assert any(json.loads(at_anna.recv(timeout=10))["type"] == "pong" for _ in range(3))


def test_a_page_that_says_its_presence_too_often_is_heard_a_few_times_a_second(world: World) -> None:
    anna = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Anna")
    bruno = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Bruno")
    says(world, GIULIA, "Ciao!")
    says(world, MARCO, "Buongiorno")
    giulia, marco = chat_of(world, anna, GIULIA), chat_of(world, anna, MARCO)
    with (
        live_socket(world, frame_secret(world.sportello_url, anna)) as at_anna,
        live_socket(world, frame_secret(world.sportello_url, bruno)) as at_bruno,
    ):
        for _ in range(50):
            present(at_anna, giulia, "typing")
        # Bruno's own notice reaches Anna after all fifty were read by the server.
        present(at_bruno, marco, "viewing")
        notices_until(at_anna, told(marco, bruno, "viewing"))
        time.sleep(1.1)  # a new second: Anna may be heard again
        present(at_anna, marco, "viewing")
        heard = notices_until(at_bruno, told(marco, anna, "viewing"))
        typing = [n for n in heard if n["chat_uuid"] == giulia]
        assert 1 <= len(typing) <= 10, len(typing)


async def test_presence_crosses_processes_through_redis_to_those_who_may_see_the_chat() -> None:
    key = b"one installation"
    said_here, heard_there = create_bus(REDIS, signing_key=key), create_bus(REDIS, signing_key=key)
    for bus in (said_here, heard_there):
        await bus.start()
    try:
        manager = Audience(actor=Actor(user_id=2, account_id=1, role=Role.CHAT_MANAGER))
        not_assigned = Audience(actor=Actor(user_id=3, account_id=1, role=Role.CHAT_OPERATOR), operator_only=True)
        other_account = Audience(actor=Actor(user_id=4, account_id=2, role=Role.OWNER))
        with (
            heard_there.listen(manager) as colleague,
            heard_there.listen(not_assigned) as operator,
            heard_there.listen(other_account) as outsider,
        ):
            await asyncio.sleep(0.5)  # both relays subscribed
            anna = presence.SocketPresence(user_id=1, name="Anna")
            await said_here.publish_presence(1, presence.notice(anna, presence.Said("c" * 32, "typing"), ",9,"))
            for _ in range(50):
                if colleague.frames:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
            assert json.loads(colleague.frames[0]) == {
                "type": "presence",
                "chat_uuid": "c" * 32,
                "user": {"id": 1, "name": "Anna"},
                "state": "typing",
                "ttl": 8,
            }
            assert not operator.frames and not outsider.frames
    finally:
        for bus in (said_here, heard_there):
            await bus.close()
