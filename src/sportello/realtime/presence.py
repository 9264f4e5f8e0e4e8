"""Who has a chat open, and who is typing in it, told between the pages of an account's agents so
that two people do not answer one customer at once (as Chatwoot and WhatsApp Web show it).

Nothing is stored. A chat page says `{"type": "presence", "chat_uuid": …, "state": …}` over its
live socket: `viewing` when it opens the chat and every 30 s while it is in front, `typing` every
few seconds while the agent types, `away` when it leaves. Each colleague's page that may see the
chat is sent `{"type": "presence", "chat_uuid", "user": {"id", "name"}, "state", "ttl"}` and shows
it for `ttl` seconds unless it hears again. A socket that closes is told `away` in every chat it
was in."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from sportello.realtime.bus import Listener, LocalBus, PresenceNotice

# How long each state holds at the colleagues' pages without being said again.
TTL_SECONDS = {"viewing": 70, "typing": 8, "away": 0}
CHAT_UUID = re.compile(r"^[0-9a-f]{32}$")
# A page says its presence every few seconds; more than this many a second are dropped.
MAX_PER_SECOND = 5
# The chats one socket may be present in at once (a page is in one; a few for tabs that move).
MAX_CHATS = 20


@dataclass(frozen=True)
class Said:
    chat_uuid: str
    state: str


def parse(message: Any) -> Said | None:
    """A page's presence message, or `None` for anything else (a ping, or a malformed one)."""
    if not isinstance(message, dict) or message.get("type") != "presence":
        return None
    chat_uuid, state = message.get("chat_uuid"), message.get("state")
    if not isinstance(chat_uuid, str) or not CHAT_UUID.match(chat_uuid) or state not in TTL_SECONDS:
        return None
    return Said(chat_uuid, str(state))


@dataclass
class SocketPresence:
    """What one socket told of itself: its user's name, the chats it may be seen in (each with
    its operators, as the bus filters), and the chats it said it is in."""

    user_id: int
    name: str
    # chat uuid → its operators as the bus reads them, or None: this socket may not see it.
    chats: dict[str, str | None] = field(default_factory=dict)
    looked_at: dict[str, float] = field(default_factory=dict)
    present_in: set[str] = field(default_factory=set)
    window_started: float = 0.0
    in_window: int = 0

    def allows(self, now: float) -> bool:
        if now - self.window_started >= 1.0:
            self.window_started, self.in_window = now, 0
        self.in_window += 1
        return self.in_window <= MAX_PER_SECOND


def notice(presence: SocketPresence, said: Said, operators: str) -> PresenceNotice:
    body = orjson.dumps(
        {
            "type": "presence",
            "chat_uuid": said.chat_uuid,
            "user": {"id": presence.user_id, "name": presence.name},
            "state": said.state,
            "ttl": TTL_SECONDS[said.state],
        }
    ).decode()
    return PresenceNotice(user_id=presence.user_id, chat_uuid=said.chat_uuid, operators=operators, body=body)


async def tell(bus: LocalBus, listener: Listener, said: Said) -> None:
    """Hand a presence the socket may tell (its chat looked up already) to the bus."""
    presence: SocketPresence = listener.presence
    operators = presence.chats.get(said.chat_uuid)
    if operators is None:
        return
    if said.state == "away":
        presence.present_in.discard(said.chat_uuid)
    else:
        presence.present_in.add(said.chat_uuid)
    await bus.publish_presence(listener.account_id, notice(presence, said, operators))


async def leave_all(bus: LocalBus, listener: Listener) -> None:
    """The socket closed: its colleagues stop showing it at once rather than when it lapses."""
    presence: SocketPresence | None = listener.presence
    if presence is None:
        return
    for chat_uuid in sorted(presence.present_in):
        await tell(bus, listener, Said(chat_uuid, "away"))


def now() -> float:
    return time.monotonic()
