"""The live WebSocket over real connections: events as they are committed, catch-up after a
drop by event id, visibility by role, ended sessions, foreign origins, and two web processes
sharing one database and one Redis (the webhook lands on one, the page listens on the other)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from sportello.accounts.models import Role
from sportello.app import create_app
from sportello.settings import Settings
from support.seeding import add_service_user_with_key
from support.servers import running_server
from support.sessions import frame_secret
from support.world import World, running_world, wait_for

GIULIA, MARCO = "+393331234567", "+393471112222"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})) as world:
        yield world


@contextmanager
def listening(base_url: str, session: str | None, after: int | None = None) -> Iterator[ClientConnection]:
    url = base_url.replace("http://", "ws://") + "/web/live/"
    with connect(url, origin=base_url, open_timeout=10) as socket:  # type: ignore[arg-type]
        socket.send(json.dumps({"type": "hello", "session": session, "after": after}))
        yield socket


def receive(socket: ClientConnection, timeout: float = 10.0) -> dict[str, Any]:
    return json.loads(socket.recv(timeout=timeout))  # type: ignore[no-any-return]


def events_until(socket: ClientConnection, wanted: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Events received until `wanted(events)` holds."""
    seen: list[dict[str, Any]] = []
    while not wanted(seen):
        message = receive(socket, timeout)
        if message["type"] == "events":
            seen.extend(message["events"])
    return seen


def says(world: World, phone: str, text: str) -> None:
    assert httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": phone, "text": text}).status_code == 200


def test_a_customer_message_reaches_the_page_live_and_a_dropped_page_catches_up(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    session = frame_secret(world.sportello_url, desk)
    with listening(world.sportello_url, session) as socket:
        ready = receive(socket)
        assert ready["type"] == "ready" and ready["resync"] is False
        says(world, GIULIA, "Ciao!")
        events = events_until(socket, lambda seen: any(e["kind"] == "message" for e in seen))
        message_event = next(e for e in events if e["kind"] == "message")
        assert len(message_event["chat_uuid"]) == 32 and len(message_event["ref"]) == 32
        last = max(e["id"] for e in events)

    # While the page is away, two more things happen.
    says(world, GIULIA, "Ci sei?")
    says(world, MARCO, "Buongiorno")

    def arrived() -> bool:
        with listening(world.sportello_url, session, after=last) as socket:
            assert receive(socket)["type"] == "ready"
            try:
                missed = events_until(socket, lambda seen: len({e["chat_uuid"] for e in seen}) >= 2, timeout=1.0)
            except TimeoutError:
                return False
            return all(e["id"] > last for e in missed)

    assert wait_for(arrived, timeout=15)


def test_a_chat_operator_hears_only_of_their_chats(world: World) -> None:
    operator = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Op")
    with listening(world.sportello_url, frame_secret(world.sportello_url, operator)) as socket:
        assert receive(socket)["type"] == "ready"
        says(world, GIULIA, "Ciao!")
        with pytest.raises(TimeoutError):
            events_until(socket, lambda seen: any(e["kind"] == "message" for e in seen), timeout=2.0)


def test_an_ended_session_is_told_so_and_a_foreign_page_cannot_listen(world: World) -> None:
    with listening(world.sportello_url, "not-a-session") as socket:
        assert receive(socket) == {"type": "expired"}
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    url = world.sportello_url.replace("http://", "ws://") + "/web/live/"
    with (
        pytest.raises((InvalidStatus, ConnectionClosed)),
        connect(url, origin="https://evil.example.com", open_timeout=5) as socket,  # type: ignore[arg-type]
    ):
        socket.send(json.dumps({"type": "hello", "session": None}))
        socket.recv(timeout=5)


def test_a_page_listening_on_another_web_process_hears_a_webhook_through_redis(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    session = frame_secret(world.sportello_url, desk)
    # A second web process: same database, same Redis, no background work of its own.
    second = create_app(world.settings.model_copy(update={"run_workers": False}))
    with running_server(second) as second_url, listening(second_url, session) as socket:
        assert receive(socket)["type"] == "ready"
        says(world, GIULIA, "Ciao dal telefono")
        events = events_until(socket, lambda seen: any(e["kind"] == "message" for e in seen), timeout=3.0)
        assert events, "heard within 3 s: before the 5 s poll, so through Redis"
