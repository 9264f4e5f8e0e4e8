"""What a live event can say (the `kind` of `schemas/live-event.v1.json`)."""

from __future__ import annotations

from enum import StrEnum


class LiveEventKind(StrEnum):
    # `data` is the message as a chat's history shows it (`Message`): new, a tick, an error, a reaction, its media.
    MESSAGE = "message"
    # `data` is the chat as `GET /web/api/chats/<uuid>/` shows it (`Chat`); `unread_delta` says
    # whether it became unread (+1), read (-1) or neither (0).
    CHAT = "chat"
    # `data` is `{"uuid": …}`: the chat left what this listener may see (it was handed to someone else).
    CHAT_REMOVED = "chat_removed"
    # No `data`: many chats changed at once (contacts merged, all marked read); lists ask again.
    CHATS = "chats"
    # `data` is the template as the templates page lists it (`Template`).
    TEMPLATE = "template"
    # `data` is a chat's payment request (`PaymentRequest`, with the `message_uuid` that carried it).
    PAYMENT = "payment"


def removed_body(seq: int, chat_uuid: str) -> str:
    """The `chat_removed` a listener hears in place of event `seq` of a chat it no longer sees."""
    return f'{{"id":{seq},"kind":"chat_removed","chat_uuid":"{chat_uuid}","ref":"","data":{{"uuid":"{chat_uuid}"}}}}'
