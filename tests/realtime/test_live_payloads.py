"""A live event is the change itself, in the shape the reads give it: a page applies it without
asking again. Over real connections (a webhook signed as Meta signs it, the socket a page
opens); and the bus's fan-out on its own: one string for every socket that hears the same, and a
socket that cannot keep up closed without holding the others back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import closing

import jsonschema
import pytest
from websockets.sync.client import connect

from sportello.accounts.actor import Actor
from sportello.accounts.models import Role
from sportello.conversations.json_schemas import SCHEMA_DIR
from sportello.realtime.bus import QUEUE_LIMIT, LocalBus, PublishedEvent, create_bus
from sportello.realtime.service import Audience
from sportello.settings import Settings
from support.live import chat_of, heard_until, live_socket, says
from support.seeding import add_service_user_with_key
from support.sessions import frame_secret, sign_in_person
from support.world import World, running_world

GIULIA, MARCO = "+393331234567", "+393471112222"
REDIS = "redis://127.0.0.1:6379/0"
OWNER_EMAIL = "owner@shop.example.com"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


def test_a_message_and_its_chat_come_as_the_reads_show_them_with_the_unread_change(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    with live_socket(world, frame_secret(world.sportello_url, desk)) as socket:
        says(world, GIULIA, "Ciao! *Tutto* bene?")
        first = heard_until(socket, lambda seen: {"message", "chat"} <= {e["kind"] for e in seen})
        says(world, GIULIA, "Ci sei?")
        second = heard_until(socket, lambda seen: {"message", "chat"} <= {e["kind"] for e in seen})
        chat_uuid = chat_of(world, desk, GIULIA)
        with closing(sign_in_person(world.sportello_url, OWNER_EMAIL)) as owner:
            shown_chat = owner.get(f"/web/api/chats/{chat_uuid}/").json()
            history = owner.get(f"/web/api/chats/{chat_uuid}/messages/").json()["results"]
            chat_event = next(e for e in second if e["kind"] == "chat")
            message_event = next(e for e in second if e["kind"] == "message")
            assert chat_event["data"] == shown_chat
            assert message_event["data"] == next(m for m in history if m["uuid"] == message_event["ref"])
            assert message_event["chat_uuid"] == chat_uuid and message_event["data"]["text"] == "Ci sei?"
            # Unread once: the first message made the chat unread, the second changed nothing.
            assert next(e for e in first if e["kind"] == "chat")["unread_delta"] == 1
            assert chat_event["unread_delta"] == 0
            # The message comes before its chat, so a list that moves the chat already has it.
            assert [e["kind"] for e in second] == ["message", "chat"]
            assert second[0]["id"] + 1 == second[1]["id"]
            assert owner.post(f"/web/api/chats/{chat_uuid}/read/").status_code == 200
            read = heard_until(socket, lambda seen: any(e["kind"] == "chat" for e in seen))
        schema = json.loads((SCHEMA_DIR / "live-event.v1.json").read_text())
        for event in first + second + read:
            jsonschema.validate(event, schema)
        read_event = next(e for e in read if e["kind"] == "chat")
        assert read_event["unread_delta"] == -1 and read_event["data"]["unread_count"] == 0


def test_a_page_away_for_a_hundred_events_gets_them_in_one_frame_in_order(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    secret = frame_secret(world.sportello_url, desk)
    with closing(sign_in_person(world.sportello_url, OWNER_EMAIL)) as owner:
        with live_socket(world, secret) as socket:
            says(world, MARCO, "Primo")
            heard_until(socket, lambda seen: any(e["kind"] == "chat" for e in seen))
            chat_uuid = chat_of(world, desk, MARCO)
            assert owner.post(f"/web/api/chats/{chat_uuid}/read/").status_code == 200
            last = max(e["id"] for e in heard_until(socket, lambda seen: any(e["kind"] == "chat" for e in seen)))
        # Fifty unread / read switches: a hundred chat events while the page is away.
        for _ in range(50):
            assert owner.post(f"/web/api/chats/{chat_uuid}/unread/").status_code == 200
            assert owner.post(f"/web/api/chats/{chat_uuid}/read/").status_code == 200
    url = world.sportello_url.replace("http://", "ws://") + "/web/live/"
    with connect(url, origin=world.sportello_url, open_timeout=10) as socket:  # type: ignore[arg-type]
        socket.send(json.dumps({"type": "hello", "session": secret, "after": last}))
        ready = json.loads(socket.recv(timeout=10))
        assert ready["type"] == "ready" and ready["resync"] is False
        missed = json.loads(socket.recv(timeout=10))
    assert missed["type"] == "events"
    ids = [e["id"] for e in missed["events"]]
    assert ids == list(range(last + 1, last + 101))
    assert [e["data"]["unread_count"] for e in missed["events"]] == [1, 0] * 50
    assert missed["last_event_id"] == ready["last_event_id"] == last + 100


def test_a_page_away_for_longer_than_the_log_keeps_is_told_to_fetch_again(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    secret = frame_secret(world.sportello_url, desk)
    url = world.sportello_url.replace("http://", "ws://") + "/web/live/"
    with connect(url, origin=world.sportello_url, open_timeout=10) as socket:  # type: ignore[arg-type]
        # A number this account never reached: another database, or a log pruned since.
        socket.send(json.dumps({"type": "hello", "session": secret, "after": 10_000}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "ready", "last_event_id": 0, "resync": True}


def _actor(user_id: int, role: Role) -> Actor:
    return Actor(user_id=user_id, account_id=1, role=role)


def _event(seq: int, chat: str = "c" * 32, operators: str = ",7,", lost_by: str = "") -> PublishedEvent:
    body = json.dumps({"id": seq, "kind": "chat", "chat_uuid": chat, "ref": "", "data": {"uuid": chat}})
    return PublishedEvent(seq=seq, chat_uuid=chat, operators=operators, lost_by=lost_by, body=body)


def test_one_event_to_a_thousand_sockets_is_one_string_and_each_hears_what_it_may() -> None:
    bus = LocalBus()
    managers = [Audience(actor=_actor(100 + n, Role.CHAT_MANAGER)) for n in range(998)]
    mine = Audience(actor=_actor(7, Role.CHAT_OPERATOR), operator_only=True)
    theirs = Audience(actor=_actor(8, Role.CHAT_OPERATOR), operator_only=True)
    with bus.listen(mine) as mine_l, bus.listen(theirs) as theirs_l:
        listeners = [bus.listen(a) for a in managers]
        entered = [context.__enter__() for context in listeners]
        bus.dispatch_local(1, [_event(5)])
        frames = [listener.frames[0] for listener in entered]
        assert all(frame is frames[0] for frame in frames)  # rendered once, the same object for all
        assert json.loads(frames[0])["events"][0]["id"] == 5
        assert mine_l.frames[0] is frames[0]
        assert not theirs_l.frames  # not their chat: not a word of it
        # Handed to operator 8: 7 hears it left their view, 8 hears the chat.
        bus.dispatch_local(1, [_event(6, operators=",8,", lost_by=",7,")])
        assert json.loads(mine_l.frames[1])["events"][0] == {
            "id": 6,
            "kind": "chat_removed",
            "chat_uuid": "c" * 32,
            "ref": "",
            "data": {"uuid": "c" * 32},
        }
        assert json.loads(theirs_l.frames[0])["events"][0]["kind"] == "chat"
        for context in listeners:
            context.__exit__(None, None, None)
    assert bus.listener_count() == 0


def test_a_socket_that_cannot_keep_up_is_marked_too_slow_and_the_others_keep_receiving() -> None:
    bus = LocalBus()
    with (
        bus.listen(Audience(actor=_actor(1, Role.CHAT_MANAGER))) as stuck,
        bus.listen(Audience(actor=_actor(2, Role.CHAT_MANAGER))) as reading,
    ):
        for seq in range(1, QUEUE_LIMIT + 2):
            bus.dispatch_local(1, [_event(seq, operators="")])
            reading.frames.clear()  # this one writes as fast as events come
        assert stuck.too_slow and not stuck.frames  # its socket is closed with 4408; it catches up from the log
        assert not reading.too_slow
        bus.dispatch_local(1, [_event(QUEUE_LIMIT + 2, operators="")])
        assert len(reading.frames) == 1 and not stuck.frames


async def test_installations_sharing_one_redis_never_hear_each_other() -> None:
    ours, theirs = b"our signing key", b"another installation's key"
    web_a = create_bus(REDIS, signing_key=ours)
    web_b = create_bus(REDIS, signing_key=ours)
    stranger = create_bus(REDIS, signing_key=theirs)
    for bus in (web_a, web_b, stranger):
        await bus.start()
    try:
        audience = Audience(actor=_actor(1, Role.CHAT_MANAGER))
        with web_b.listen(audience) as colleague, stranger.listen(audience) as outsider:
            await asyncio.sleep(0.5)  # both relays subscribed
            await web_a.publish(1, [_event(9, operators="")])
            for _ in range(50):
                if colleague.frames:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
            assert json.loads(colleague.frames[0])["events"][0]["id"] == 9
            assert not outsider.frames  # account 1 over there is someone else
    finally:
        for bus in (web_a, web_b, stranger):
            await bus.close()
