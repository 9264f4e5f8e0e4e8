"""The TypeScript declaration of the host events names every field of the published shapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sportello.conversations.json_schemas import SCHEMA_DIR

DECLARATION = Path(__file__).resolve().parents[2] / "src" / "sportello" / "web" / "static" / "sportello-events.d.ts"
INTERFACES = {
    "ChatRead": "Chat",
    "MessageRead": "Message",
    "ContactRead": "Contact",
    "MediaRead": "MediaFile",
    "QuotedMessage": "QuotedMessage",
    "MessageSender": "MessageSender",
    "MessageReferral": "MessageReferral",
    "MessageReaction": "MessageReaction",
    "MessageButton": "MessageButton",
    "LiveEventRead": "LiveEvent",
}


def _interface_fields(text: str, name: str) -> set[str]:
    body = re.search(r"export interface " + name + r" \{(.*?)\n\}", text, re.S)
    assert body, name
    return set(re.findall(r"^\s+(\w+)\??:", body.group(1), re.M))


def test_every_schema_field_is_declared() -> None:
    text = DECLARATION.read_text()
    checked: set[str] = set()
    for file, top in (
        ("chat.v1.json", "ChatRead"),
        ("message.v1.json", "MessageRead"),
        ("live-event.v1.json", "LiveEventRead"),
    ):
        schema = json.loads((SCHEMA_DIR / file).read_text())
        shapes = {**schema.get("$defs", {}), top: schema}
        for schema_name, interface in INTERFACES.items():
            if schema_name in shapes:
                assert _interface_fields(text, interface) == set(shapes[schema_name]["properties"]), interface
                checked.add(interface)
    assert checked == set(INTERFACES.values())


def test_the_guides_three_events_and_session_expired_are_declared_exactly() -> None:
    text = DECLARATION.read_text()
    assert set(re.findall(r'eventType: "(\w+)"', text)) == {
        "hasUnreadChatsChanged",
        "chatsChanged",
        "chatMessagesChanged",
        "sessionExpired",
    }
