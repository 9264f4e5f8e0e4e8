"""Meta's webhook envelope, parsed into typed changes.

A body that is not a `whatsapp_business_account` envelope raises `InvalidWebhook`; inside a
valid envelope nothing raises: an entry of an unknown shape becomes `UnknownChange`, a message
of an unknown type becomes an `InboundMessage` of type `unsupported` that keeps its raw JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Meta's message type → Sportello's content type.
CONTENT_TYPES = {
    "text": "Text",
    "image": "Image",
    "document": "Document",
    "audio": "Audio",
    "video": "Video",
    "sticker": "Sticker",
    "location": "Location",
    "contacts": "Contacts",
    "interactive": "Interactive",
    "button": "Button",
    "reaction": "Reaction",
    "system": "System",
}
MEDIA_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})


class InvalidWebhook(ValueError):
    """The body is not a WhatsApp webhook envelope."""


@dataclass(frozen=True)
class MediaRef:
    kind: str
    media_id: str
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    voice: bool = False


@dataclass(frozen=True)
class MetaError:
    code: int | None
    title: str = ""
    message: str = ""
    details: str = ""


@dataclass(frozen=True)
class InboundMessage:
    phone_number_id: str
    from_wa_id: str
    profile_name: str
    meta_id: str
    timestamp: datetime
    meta_type: str
    text: str = ""
    media: MediaRef | None = None
    location: dict[str, Any] | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    interactive: dict[str, str] | None = None
    button: dict[str, str] | None = None
    reaction: dict[str, str] | None = None
    reply_to_meta_id: str = ""
    forwarded: bool = False
    errors: list[MetaError] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.meta_type, "Unsupported")


@dataclass(frozen=True)
class StatusUpdate:
    phone_number_id: str
    meta_id: str
    status: str  # sent | delivered | read | failed | played | …
    timestamp: datetime
    recipient_id: str = ""
    errors: list[MetaError] = field(default_factory=list)
    pricing_category: str = ""
    conversation_id: str = ""
    biz_opaque_callback_data: str = ""


@dataclass(frozen=True)
class TemplateStatusUpdate:
    waba_id: str
    event: str
    template_id: str
    name: str
    language: str
    reason: str = ""
    category: str = ""
    rejection_info: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UnknownChange:
    field: str
    raw: Any


Change = InboundMessage | StatusUpdate | TemplateStatusUpdate | UnknownChange


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return ""


def _time(value: Any) -> datetime:
    try:
        seconds = int(_str(value) or 0)
        return datetime.fromtimestamp(min(max(seconds, 0), 32503680000), UTC)
    except (ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, UTC)


def _errors(value: Any) -> list[MetaError]:
    errors = []
    for item in _list(value):
        error = _dict(item)
        code = error.get("code")
        errors.append(
            MetaError(
                code=code if isinstance(code, int) and not isinstance(code, bool) else None,
                title=_str(error.get("title")),
                message=_str(error.get("message")),
                details=_str(_dict(error.get("error_data")).get("details")),
            )
        )
    return errors


def _message(value: dict[str, Any], raw: dict[str, Any], names: dict[str, str]) -> InboundMessage | None:
    meta_id, sender = _str(raw.get("id")), _str(raw.get("from"))
    if not meta_id or not sender:
        return None
    meta_type = _str(raw.get("type")) or "unsupported"
    body = _dict(raw.get(meta_type))
    context = _dict(raw.get("context"))
    common: dict[str, Any] = {
        "phone_number_id": _str(_dict(value.get("metadata")).get("phone_number_id")),
        "from_wa_id": sender,
        "profile_name": names.get(sender, ""),
        "meta_id": meta_id,
        "timestamp": _time(raw.get("timestamp")),
        "meta_type": meta_type if meta_type in CONTENT_TYPES else "unsupported",
        "reply_to_meta_id": _str(context.get("id")),
        "forwarded": bool(context.get("forwarded") or context.get("frequently_forwarded")),
        "errors": _errors(raw.get("errors")),
        "raw": raw,
    }
    if meta_type == "text":
        return InboundMessage(**common, text=_str(body.get("body")))
    if meta_type in MEDIA_TYPES:
        media = MediaRef(
            kind=meta_type,
            media_id=_str(body.get("id")),
            mime_type=_str(body.get("mime_type")),
            sha256=_str(body.get("sha256")),
            filename=_str(body.get("filename")),
            voice=body.get("voice") is True,
        )
        return InboundMessage(**common, text=_str(body.get("caption")), media=media if media.media_id else None)
    if meta_type == "location":
        location: dict[str, Any] = {
            k: body[k] for k in ("latitude", "longitude", "name", "address", "url") if k in body
        }
        return InboundMessage(**common, text=_str(body.get("name")), location=location)
    if meta_type == "contacts":
        people = [_dict(c) for c in _list(raw.get("contacts"))]
        names_shown = [_str(_dict(p.get("name")).get("formatted_name")) for p in people]
        return InboundMessage(**common, text=", ".join(n for n in names_shown if n), contacts=people)
    if meta_type == "interactive":
        kind = _str(body.get("type"))
        reply = _dict(body.get(kind))
        interactive = {
            "kind": kind,
            "id": _str(reply.get("id")),
            "title": _str(reply.get("title")),
            "description": _str(reply.get("description")),
        }
        return InboundMessage(**common, text=interactive["title"], interactive=interactive)
    if meta_type == "button":
        button = {"payload": _str(body.get("payload")), "text": _str(body.get("text"))}
        return InboundMessage(**common, text=button["text"], button=button)
    if meta_type == "reaction":
        reaction = {"message_id": _str(body.get("message_id")), "emoji": _str(body.get("emoji"))}
        return InboundMessage(**common, text=reaction["emoji"], reaction=reaction)
    if meta_type == "system":
        return InboundMessage(**common, text=_str(body.get("body")))
    return InboundMessage(**common)


def _status(value: dict[str, Any], raw: dict[str, Any]) -> StatusUpdate | None:
    meta_id, status = _str(raw.get("id")), _str(raw.get("status"))
    if not meta_id or not status:
        return None
    return StatusUpdate(
        phone_number_id=_str(_dict(value.get("metadata")).get("phone_number_id")),
        meta_id=meta_id,
        status=status,
        timestamp=_time(raw.get("timestamp")),
        recipient_id=_str(raw.get("recipient_id")),
        errors=_errors(raw.get("errors")),
        pricing_category=_str(_dict(raw.get("pricing")).get("category")),
        conversation_id=_str(_dict(raw.get("conversation")).get("id")),
        biz_opaque_callback_data=_str(raw.get("biz_opaque_callback_data")),
    )


def _template_status(waba_id: str, value: dict[str, Any]) -> Change:
    template_id = _str(value.get("message_template_id"))
    if not template_id:
        return UnknownChange(field="message_template_status_update", raw=value)
    info = _dict(value.get("rejection_info"))
    return TemplateStatusUpdate(
        waba_id=waba_id,
        event=_str(value.get("event")),
        template_id=template_id,
        name=_str(value.get("message_template_name")),
        language=_str(value.get("message_template_language")),
        reason=_str(value.get("reason")),
        category=_str(value.get("message_template_category")),
        rejection_info={"reason": _str(info.get("reason")), "recommendation": _str(info.get("recommendation"))},
    )


def _messages_change(value: dict[str, Any]) -> list[Change]:
    names = {
        _str(_dict(c).get("wa_id")): _str(_dict(_dict(c).get("profile")).get("name"))
        for c in _list(value.get("contacts"))
    }
    changes: list[Change] = []
    for raw in _list(value.get("messages")):
        parsed = _message(value, _dict(raw), names)
        changes.append(parsed if parsed is not None else UnknownChange(field="messages", raw=raw))
    for raw in _list(value.get("statuses")):
        status = _status(value, _dict(raw))
        changes.append(status if status is not None else UnknownChange(field="statuses", raw=raw))
    if not changes:
        changes.append(UnknownChange(field="messages", raw=value))
    return changes


def parse_webhook(body: bytes | str | dict[str, Any]) -> list[Change]:
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise InvalidWebhook("The body is not JSON.") from exc
    else:
        data = body
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise InvalidWebhook("The body is not a whatsapp_business_account webhook.")
    changes: list[Change] = []
    for entry in _list(data.get("entry")):
        entry = _dict(entry)
        waba_id = _str(entry.get("id"))
        for change in _list(entry.get("changes")):
            change = _dict(change)
            kind, value = _str(change.get("field")), _dict(change.get("value"))
            if kind == "messages":
                changes.extend(_messages_change(value))
            elif kind == "message_template_status_update":
                changes.append(_template_status(waba_id, value))
            else:
                changes.append(UnknownChange(field=kind, raw=change.get("value")))
    return changes
