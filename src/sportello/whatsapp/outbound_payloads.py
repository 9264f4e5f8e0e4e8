"""The bodies of `POST /{phone-number-id}/messages`, built as Meta documents them. Pure functions."""

from __future__ import annotations

from typing import Any


def _envelope(
    to: str, kind: str, body: dict[str, Any], *, reply_to: str | None, callback: str | None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: body,
    }
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    if callback:
        # Meta echoes it in every status webhook of this message: Sportello puts its own uuid here.
        payload["biz_opaque_callback_data"] = callback
    return payload


def text(
    to: str, body: str, *, preview_url: bool = False, reply_to: str | None = None, callback: str | None = None
) -> dict[str, Any]:
    return _envelope(to, "text", {"body": body, "preview_url": preview_url}, reply_to=reply_to, callback=callback)


def template(
    to: str, name: str, language: str, components: list[dict[str, Any]], *, callback: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "language": {"policy": "deterministic", "code": language}}
    if components:
        body["components"] = components
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
    body: dict[str, Any] = {"id": media_id}
    if caption and kind in ("image", "video", "document"):
        body["caption"] = caption
    if filename and kind == "document":
        body["filename"] = filename
    return _envelope(to, kind, body, reply_to=reply_to, callback=callback)


def buttons(
    to: str, body: str, choices: list[tuple[str, str]], *, reply_to: str | None = None, callback: str | None = None
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
    sections: list[dict[str, Any]],
    *,
    header: str | None = None,
    footer: str | None = None,
    reply_to: str | None = None,
    callback: str | None = None,
) -> dict[str, Any]:
    interactive: dict[str, Any] = {
        "type": "list",
        "body": {"text": body},
        "action": {"button": button, "sections": sections},
    }
    if header:
        interactive["header"] = {"type": "text", "text": header}
    if footer:
        interactive["footer"] = {"text": footer}
    return _envelope(to, "interactive", interactive, reply_to=reply_to, callback=callback)


def reaction(to: str, message_id: str, emoji: str) -> dict[str, Any]:
    """An empty emoji removes the reaction."""
    return _envelope(to, "reaction", {"message_id": message_id, "emoji": emoji}, reply_to=None, callback=None)


def mark_as_read(message_id: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
