"""The bodies of `POST /{phone-number-id}/messages`, built as Meta documents them. Pure functions:
they build what they are told, and Meta (or the emulator) judges the limits (3 buttons, 20
characters a title…), so a refusal comes back as Meta's own error code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NotRequired, TypedDict

from sportello.whatsapp.user_ids import is_bsuid

MediaKind = Literal["image", "video", "audio", "document", "sticker"]
MEDIA_KINDS: frozenset[str] = frozenset({"image", "video", "audio", "document", "sticker"})


class ListRow(TypedDict):
    id: str  # at most 200 characters
    title: str  # at most 24
    description: NotRequired[str]  # at most 72


class ListSection(TypedDict):
    title: str  # at most 24; at most 10 rows across all sections
    rows: list[ListRow]


def _envelope(
    to: str, kind: str, body: dict[str, Any], *, reply_to: str | None, callback: str | None
) -> dict[str, Any]:
    """`to` is the phone's digits (`wa_id`), or the BSUID of a user whose phone is not known."""
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    if is_bsuid(to):
        # A user known only by BSUID is addressed in `recipient`, `to` left out (`to` wins when
        # both are sent, and Meta recommends the phone when known): M-BSUID, "Messages API";
        # pywa's `resolve_recipient` sends a BSUID the same way.
        payload["recipient"] = to
    else:
        payload["to"] = to
    payload.update({"type": kind, kind: body})
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    if callback:
        # Meta echoes it in every status webhook of this message: Sportello puts its own uuid here.
        payload["biz_opaque_callback_data"] = callback
    return payload


def text(
    to: str, body: str, *, preview_url: bool = False, reply_to: str | None = None, callback: str | None = None
) -> dict[str, Any]:
    """`callback` is `biz_opaque_callback_data`, echoed back in every status of the message."""
    return _envelope(to, "text", {"body": body, "preview_url": preview_url}, reply_to=reply_to, callback=callback)


def template(
    to: str, name: str, language: str, components: Sequence[dict[str, Any]], *, callback: str | None = None
) -> dict[str, Any]:
    """`components` fill the template's parameters, in Meta's shape (`type` body/header/button)."""
    body: dict[str, Any] = {"name": name, "language": {"policy": "deterministic", "code": language}}
    if components:
        body["components"] = list(components)
    return _envelope(to, "template", body, reply_to=None, callback=callback)


def media(
    to: str,
    kind: str,
    media_id: str,
    *,
    caption: str | None = None,
    filename: str | None = None,
    reply_to: str | None = None,
    callback: str | None = None,
) -> dict[str, Any]:
    """A file already uploaded (`upload_media`); caption for image, video and document only,
    filename for documents only, as Meta ignores or refuses them elsewhere."""
    body: dict[str, Any] = {"id": media_id}
    if caption and kind in ("image", "video", "document"):
        body["caption"] = caption
    if filename and kind == "document":
        body["filename"] = filename
    return _envelope(to, kind, body, reply_to=reply_to, callback=callback)


def buttons(
    to: str, body: str, choices: Sequence[tuple[str, str]], *, reply_to: str | None = None, callback: str | None = None
) -> dict[str, Any]:
    """Up to 3 quick-reply buttons: (id, title), title at most 20 characters."""
    action = {"buttons": [{"type": "reply", "reply": {"id": bid, "title": title}} for bid, title in choices]}
    return _envelope(
        to,
        "interactive",
        {"type": "button", "body": {"text": body}, "action": action},
        reply_to=reply_to,
        callback=callback,
    )


def list_message(
    to: str,
    body: str,
    button: str,
    sections: Sequence[ListSection],
    *,
    header: str | None = None,
    footer: str | None = None,
    reply_to: str | None = None,
    callback: str | None = None,
) -> dict[str, Any]:
    interactive: dict[str, Any] = {
        "type": "list",
        "body": {"text": body},
        "action": {"button": button, "sections": [dict(section) for section in sections]},
    }
    if header:
        interactive["header"] = {"type": "text", "text": header}
    if footer:
        interactive["footer"] = {"text": footer}
    return _envelope(to, "interactive", interactive, reply_to=reply_to, callback=callback)


def reaction(to: str, message_id: str, emoji: str) -> dict[str, Any]:
    """An empty emoji removes the reaction."""
    return _envelope(to, "reaction", {"message_id": message_id, "emoji": emoji}, reply_to=None, callback=None)


def mark_as_read(message_id: str, *, typing: bool = False) -> dict[str, Any]:
    """Blue ticks for the customer's message (and the earlier ones of the thread); with `typing`,
    also "typing…" on their phone. Meta offers the indicator only together with a read receipt:
    developers.facebook.com/docs/whatsapp/cloud-api/typing-indicators, and the example "Send
    typing indicator and read receipt" of Meta's OpenAPI (business-messaging-api v23.0)."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        body["typing_indicator"] = {"type": "text"}
    return body
