"""An ended session closes its open live sockets at once, in every web process: a new private key,
a revoked API key and a removed user reach the sockets through the bus (Redis here) within a
second, each told `expired` and closed with 4401; the frame's REST calls are refused from then on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from sportello.accounts.models import Role
from sportello.app import create_app
from sportello.settings import Settings
from support.seeding import Integration, add_service_user_with_key
from support.servers import running_server
from support.sessions import frame_secret, sign_in_person
from support.world import World, running_world

OWNER_EMAIL = "owner@shop.example.com"
# Far below the periodic session check (60 s), and below the 5 s poll: only the bus is this fast.
WITHIN_SECONDS = 1.0


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})) as world:
        yield world


@contextmanager
def live_socket(base_url: str, session: str) -> Iterator[ClientConnection]:
    url = base_url.replace("http://", "ws://") + "/web/live/"
    with connect(url, origin=base_url, open_timeout=10) as socket:  # type: ignore[arg-type]
        socket.send(json.dumps({"type": "hello", "session": session, "after": None}))
        assert json.loads(socket.recv(timeout=10))["type"] == "ready"
        yield socket


def closed_after(socket: ClientConnection, end_it: Callable[[], None]) -> tuple[float, list[dict[str, Any]], int]:
    """Seconds from `end_it()` until the server closed the socket, what it said before, and the code."""
    started = time.monotonic()
    end_it()
    said: list[dict[str, Any]] = []
    while True:
        try:
            said.append(json.loads(socket.recv(timeout=max(0.0, started + 10 - time.monotonic()))))
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed by the server"
            return time.monotonic() - started, said, closed.rcvd.code


def viewer_status(world: World, secret: str) -> tuple[int, str]:
    answer = httpx.get(f"{world.sportello_url}/web/api/viewer/", headers={"Authorization": f"Bearer {secret}"})
    return answer.status_code, answer.json().get("code", "")


def rotate_key(world: World, who: Integration) -> Callable[[], None]:
    def go() -> None:
        answer = httpx.post(
            f"{world.sportello_url}/api/1/roles/{who.uid}/generate_private_key/",
            headers={"X-Spoki-Api-Key": who.api_key},
        )
        assert answer.status_code == 200, answer.text

    return go


def test_a_new_private_key_closes_the_frames_open_socket_within_a_second(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    secret = frame_secret(world.sportello_url, desk)
    assert viewer_status(world, secret)[0] == 200
    with live_socket(world.sportello_url, secret) as socket:
        seconds, said, code = closed_after(socket, rotate_key(world, desk))
    assert said == [{"type": "expired"}]
    assert code == 4401
    assert seconds < WITHIN_SECONDS
    assert viewer_status(world, secret) == (401, "session_expired")


def test_a_revoked_api_key_closes_its_frames_open_sockets_within_a_second(
    world: World, request: pytest.FixtureRequest
) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    secret = frame_secret(world.sportello_url, desk)
    owner = sign_in_person(world.sportello_url, OWNER_EMAIL)
    request.addfinalizer(owner.close)

    def revoke() -> None:
        answer = owner.post(f"/web/api/api-keys/{desk.api_key_id}/revoke/")
        assert answer.status_code == 200, answer.text

    with live_socket(world.sportello_url, secret) as socket:
        seconds, said, code = closed_after(socket, revoke)
    assert (said, code) == ([{"type": "expired"}], 4401)
    assert seconds < WITHIN_SECONDS
    assert viewer_status(world, secret) == (401, "session_expired")


def test_a_removed_user_loses_their_open_sockets_within_a_second(world: World, request: pytest.FixtureRequest) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    secret = frame_secret(world.sportello_url, desk)
    owner = sign_in_person(world.sportello_url, OWNER_EMAIL)
    request.addfinalizer(owner.close)

    def remove() -> None:
        answer = owner.delete(f"/web/api/users/{desk.uid}/")
        assert answer.status_code == 204, answer.text

    with live_socket(world.sportello_url, secret) as socket:
        seconds, said, code = closed_after(socket, remove)
    assert (said, code) == ([{"type": "expired"}], 4401)
    assert seconds < WITHIN_SECONDS
    assert viewer_status(world, secret) == (401, "session_expired")


def test_a_socket_on_another_web_process_closes_within_a_second_through_redis(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    secret = frame_secret(world.sportello_url, desk)
    # A second web process: same database, same Redis. The key is rotated on the first.
    second = create_app(world.settings.model_copy(update={"run_workers": False}))
    with running_server(second) as second_url, live_socket(second_url, secret) as socket:
        seconds, said, code = closed_after(socket, rotate_key(world, desk))
    assert (said, code) == ([{"type": "expired"}], 4401)
    assert seconds < WITHIN_SECONDS


def test_a_new_key_for_one_user_leaves_another_users_socket_open(world: World) -> None:
    desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Desk")
    other = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Other")
    with live_socket(world.sportello_url, frame_secret(world.sportello_url, other)) as socket:
        rotate_key(world, desk)()
        socket.send('{"type":"ping"}')
        # Still served: the revocation named someone else.
        assert json.loads(socket.recv(timeout=3))["type"] in ("pong", "events")
