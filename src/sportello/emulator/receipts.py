"""Read receipts and the typing indicator, as Meta takes them: `POST /{phone-number-id}/messages`
with `status: "read"` (developers.facebook.com/docs/whatsapp/cloud-api/guides/mark-message-as-read/)
and optionally `typing_indicator: {"type": "text"}`
(developers.facebook.com/docs/whatsapp/cloud-api/typing-indicators)."""

from __future__ import annotations

import time
from typing import Any

from sportello.emulator.errors import GraphError
from sportello.emulator.state import State

# M-READ: a message can be marked read within 30 days of receipt.
READ_WITHIN_SECONDS = 30 * 24 * 3600
# Meta: the indicator is dismissed once the business responds, or after 25 seconds.
TYPING_SECONDS = 25.0


def mark_read(state: State, phone_number_id: str, body: dict[str, Any]) -> None:
    """Validate a read receipt as Meta does and show it on the customer's phone: the message and
    the earlier ones of the thread read (M-READ), and "typing…" when asked."""
    if body.get("messaging_product") != "whatsapp":
        raise GraphError(100, "Param messaging_product must be whatsapp.")
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise GraphError(100, "Param message_id is required.")
    typing = body.get("typing_indicator")
    if typing is not None and (not isinstance(typing, dict) or typing.get("type") != "text"):
        raise GraphError(100, "Param typing_indicator[type] must be one of {text}.")
    now = time.time()
    with state.lock:
        found = next(
            (
                (customer, index)
                for (number, customer), entries in state.conversations.items()
                if number == phone_number_id
                for index, entry in enumerate(entries)
                if entry.wamid == message_id and entry.direction == "in"
            ),
            None,
        )
        # Meta knows only messages this number received: its own sends or another number's
        # messages cannot be marked read (M-READ: "you cannot mark your own outgoing messages").
        if found is None:
            raise GraphError(100, "Invalid parameter: message_id is not a message this phone number received.")
        customer, index = found
        entries = state.conversation(phone_number_id, customer)
        if now - entries[index].at > READ_WITHIN_SECONDS:
            raise GraphError(100, "Invalid parameter: a message can be marked read only within 30 days.")
        for entry in entries[: index + 1]:
            if entry.direction == "in":
                entry.status = "read"
        state.read_receipts.setdefault((phone_number_id, customer), []).append(
            {"message_id": message_id, "typing_indicator": typing is not None, "at": now}
        )
        if typing is not None:
            state.typing_until[(phone_number_id, customer)] = now + TYPING_SECONDS


def conversation_extras(state: State, phone_number_id: str, customer: str) -> dict[str, Any]:
    """What `/_emulator/conversations/{number}` shows of receipts: every call, and "typing…" now."""
    until = state.typing_until.get((phone_number_id, customer))
    showing = until is not None and time.time() < until
    return {
        "typing": showing,
        "typing_until": until if showing else None,
        "read_receipts": list(state.read_receipts.get((phone_number_id, customer), [])),
    }
