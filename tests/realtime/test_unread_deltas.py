"""The unread count a page keeps: each chat event says whether its chat became unread (+1) or
read (-1), and a count read over REST says up to which event it holds (`last_event_id`), so a
page applies exactly the events after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.live import chat_of, heard_until, live_socket, says
from support.seeding import add_service_user_with_key
from support.sessions import frame_secret, sign_in_person
from support.world import World, running_world

GIULIA, MARCO = "+393331234567", "+393471112222"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


def chat_events(heard: list[dict[str, Any]], chat_uuid: str) -> list[dict[str, Any]]:
    return [e for e in heard if e["kind"] == "chat" and e["chat_uuid"] == chat_uuid]


def test_mark_all_as_read_tells_each_chat_became_read_and_counts_say_which_event_they_hold(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    with (
        closing(sign_in_person(world.sportello_url, "owner@shop.example.com")) as owner,
        live_socket(world, frame_secret(world.sportello_url, desk)) as socket,
    ):
        says(world, GIULIA, "Ciao!")
        giulia = chat_of(world, desk, GIULIA)
        heard = heard_until(socket, lambda seen: bool(chat_events(seen, giulia)))
        assert chat_events(heard, giulia)[-1]["unread_delta"] == 1
        counted = owner.get("/web/api/chats/unread/").json()
        assert counted["unread_chats"] == 1
        assert counted["last_event_id"] == max(e["id"] for e in heard)
        says(world, MARCO, "Buongiorno")
        marco = chat_of(world, desk, MARCO)
        heard = heard_until(socket, lambda seen: bool(chat_events(seen, marco)))
        assert all(e["id"] > counted["last_event_id"] for e in heard)
        # Both become read at once: each chat's event says so.
        assert owner.post("/web/api/chats/read_all/").status_code == 200
        read = heard_until(socket, lambda seen: len({e["chat_uuid"] for e in seen if e["kind"] == "chat"}) == 2)
        assert {e["chat_uuid"]: e["unread_delta"] for e in read if e["kind"] == "chat"} == {giulia: -1, marco: -1}
        listed = owner.get("/web/api/chats/").json()
        assert listed["unread_chats"] == 0 and listed["last_event_id"] == max(e["id"] for e in read)
