"""A page's live socket, as the tests open it: hello, ready, then the events it hears; and the
customer who writes (through the emulator, which signs the webhook as Meta does)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from support.seeding import Integration
from support.world import World, wait_for


@contextmanager
def live_socket(world: World, session: str, **hello: Any) -> Iterator[ClientConnection]:
    url = world.sportello_url.replace("http://", "ws://") + "/web/live/"
    with connect(url, origin=world.sportello_url, open_timeout=10) as socket:  # type: ignore[arg-type]
        socket.send(json.dumps({"type": "hello", "session": session, "after": None, **hello}))
        assert json.loads(socket.recv(timeout=10))["type"] == "ready"
        yield socket


def heard_until(socket: ClientConnection, wanted: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not wanted(seen):
        message = json.loads(socket.recv(timeout=10))
        if message["type"] == "events":
            seen.extend(message["events"])
    return seen


def says(world: World, phone: str, text: str) -> None:
    assert httpx.post(f"{world.emulator_url}/_emulator/say", json={"from": phone, "text": text}).status_code == 200


def chat_of(world: World, who: Integration, phone: str) -> str:
    def found() -> str | None:
        chats = httpx.get(
            f"{world.sportello_url}/api/1/chats/", headers={"X-Spoki-Api-Key": who.api_key}, params={"page_size": 100}
        ).json()["results"]
        return next((c["uuid"] for c in chats if c["contact"]["phone"] == phone), None)

    uuid: str = wait_for(found)
    return uuid
