"""Meta's webhook envelope, parsed into typed changes (`webhook_changes`).

A body that is not a `whatsapp_business_account` envelope raises `InvalidWebhook`, and nothing
else raises: inside a valid envelope, an entry of an unknown shape becomes `UnknownChange`, and
a message of an unknown or broken type becomes an `InboundMessage` of type `unsupported` that
keeps its raw JSON. One odd item never costs the rest of a batch (Meta puts up to 1000 in one).
Every string that comes out can be stored: what UTF-8 text cannot hold (a lone surrogate, NUL,
a byte that is no UTF-8) reads as U+FFFD."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypedDict

from sportello.errors import InvalidInput
from sportello.whatsapp.user_ids import is_bsuid
from sportello.whatsapp.webhook_changes import (
    CONTENT_TYPES,
    INTERACTIVE_REPLIES,
    MEDIA_TYPES,
    UNSUPPORTED,
    Change,
    InboundMessage,
    InteractiveReply,
    Location,
    MediaRef,
    MessageContext,
    MetaError,
    Reaction,
    Referral,
    RejectionInfo,
    StatusUpdate,
    SystemNotice,
    TemplateButton,
    TemplateStatusUpdate,
    UnknownChange,
)

__all__ = [
    "CONTENT_TYPES",
    "MEDIA_TYPES",
    "Change",
    "InboundMessage",
    "InvalidWebhook",
    "MediaRef",
    "MessageContext",
    "MetaError",
    "StatusUpdate",
    "TemplateStatusUpdate",
    "UnknownChange",
    "parse_webhook",
]

ENVELOPE_OBJECT = "whatsapp_business_account"
# Year 3000: a timestamp past it is a broken one, and `datetime` cannot hold much more.
_LATEST_SECONDS = 32503680000
_EPOCH = datetime.fromtimestamp(0, UTC)
# What a decoded JSON string may hold that a database's UTF-8 text cannot store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_MAYBE_UNSTORABLE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)|[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


class InvalidWebhook(InvalidInput):
    """The body is not a WhatsApp webhook envelope."""

    default_code = "invalid_webhook"


class _Person(TypedDict):
    """One item of `value.contacts[]`: who wrote, or who a status is about."""

    wa_id: str
    user_id: str
    parent_user_id: str
    name: str
    username: str


class _Content(TypedDict, total=False):
    """The fields of `InboundMessage` that depend on the message's type."""

    text: str
    caption: str
    media: MediaRef
    location: Location
    contacts: list[dict[str, Any]]
    interactive: InteractiveReply
    button: TemplateButton
    reaction: Reaction
    system: SystemNotice


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    """Meta's ids and timestamps are strings, but a number is read as one too."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        # Python refuses to print integers of thousands of digits; no id of Meta's is that long.
        return str(value) if -(10**100) < value < 10**100 else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else ""
    return ""


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _time(value: Any) -> datetime:
    """Meta's Unix seconds as aware UTC. A missing or broken one reads as the epoch: the oldest
    possible time, so it never wins an ordering (statuses) nor opens a 24 h window."""
    seconds = _float(value)
    if seconds is None:
        return _EPOCH
    return datetime.fromtimestamp(int(min(max(seconds, 0.0), _LATEST_SECONDS)), UTC)


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
                href=_str(error.get("href")),
            )
        )
    return errors


def _context(raw: dict[str, Any]) -> MessageContext | None:
    if not isinstance(raw.get("context"), dict):
        return None
    context = raw["context"]
    product = context.get("referred_product")
    return MessageContext(
        message_id=_str(context.get("id")),
        from_wa_id=_str(context.get("from")),
        forwarded=context.get("forwarded") is True,
        frequently_forwarded=context.get("frequently_forwarded") is True,
        referred_product=product if isinstance(product, dict) else None,
    )


def _location(body: dict[str, Any]) -> Location | None:
    latitude, longitude = _float(body.get("latitude")), _float(body.get("longitude"))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return Location(
        latitude=latitude,
        longitude=longitude,
        name=_str(body.get("name")),
        address=_str(body.get("address")),
        url=_str(body.get("url")),
    )


def _referral(raw: dict[str, Any]) -> Referral | None:
    """The ad or post the message came from (pywa's `Referral` reads the same keys)."""
    if not isinstance(raw.get("referral"), dict):
        return None
    body = raw["referral"]
    return Referral(
        source_url=_str(body.get("source_url")),
        source_id=_str(body.get("source_id")),
        source_type=_str(body.get("source_type")),
        headline=_str(body.get("headline")),
        body=_str(body.get("body")),
        media_type=_str(body.get("media_type")),
        image_url=_str(body.get("image_url")),
        video_url=_str(body.get("video_url")),
        thumbnail_url=_str(body.get("thumbnail_url")),
        ctwa_clid=_str(body.get("ctwa_clid")),
        welcome_message=_str(_dict(body.get("welcome_message")).get("text")),
    )


def _unsupported_type(meta_type: str, raw: dict[str, Any]) -> str:
    """What an unsupported message was: Meta names it in `unsupported.type` (the unsupported
    messages webhook reference, M-WH); a type of Meta's that Sportello does not read is its own."""
    named = _str(_dict(raw.get("unsupported")).get("type"))
    return named or (meta_type if meta_type != UNSUPPORTED else "")


def _interactive(body: dict[str, Any]) -> InteractiveReply | None:
    kind = _str(body.get("type"))
    reply = body.get(kind)
    if kind not in INTERACTIVE_REPLIES or not isinstance(reply, dict) or not _str(reply.get("id")):
        return None  # e.g. a WhatsApp Flow's nfm_reply: not something Sportello sends
    return InteractiveReply(
        kind=kind,
        id=_str(reply.get("id")),
        title=_str(reply.get("title")),
        description=_str(reply.get("description")),
    )


def _content(meta_type: str, body: dict[str, Any], raw: dict[str, Any]) -> _Content | None:
    """The typed fields of one message type; `None` when the type is unknown or its body broken."""
    if meta_type == "text":
        return {"text": body["body"]} if isinstance(body.get("body"), str) else None
    if meta_type in MEDIA_TYPES:
        if not _str(body.get("id")):
            return None
        caption = _str(body.get("caption"))
        media = MediaRef(
            kind=meta_type,
            media_id=_str(body["id"]),
            mime_type=_str(body.get("mime_type")),
            sha256=_str(body.get("sha256")),
            filename=_str(body.get("filename")),
            voice=body.get("voice") is True,
        )
        return {"media": media, "caption": caption, "text": caption}
    if meta_type == "location":
        location = _location(body)
        return {"location": location, "text": location["name"]} if location else None
    if meta_type == "contacts":
        people = [c for c in _list(raw.get("contacts")) if isinstance(c, dict)]
        if not people:
            return None
        names = (_str(_dict(p.get("name")).get("formatted_name")) for p in people)
        return {"contacts": people, "text": ", ".join(n for n in names if n)}
    if meta_type == "interactive":
        reply = _interactive(body)
        return {"interactive": reply, "text": reply["title"]} if reply else None
    if meta_type == "button":
        button = TemplateButton(payload=_str(body.get("payload")), text=_str(body.get("text")))
        return {"button": button, "text": button["text"]} if button["payload"] or button["text"] else None
    if meta_type == "reaction":
        if not _str(body.get("message_id")):
            return None
        reaction = Reaction(message_id=_str(body["message_id"]), emoji=_str(body.get("emoji")))
        return {"reaction": reaction, "text": reaction["emoji"]}
    if meta_type == "system":
        # `wa_id` (older: `new_wa_id`) is the new phone; `user_id` the new BSUID that comes with
        # it (M-BSUID; pywa's PhoneNumberChange reads the same keys).
        notice = SystemNotice(
            type=_str(body.get("type")),
            body=_str(body.get("body")),
            new_wa_id=_str(body.get("wa_id") or body.get("new_wa_id")),
            new_user_id=_str(body.get("user_id")),
            new_parent_user_id=_str(body.get("parent_user_id")),
        )
        return {"system": notice, "text": notice["body"]}
    return None


def _people(value: dict[str, Any]) -> list[_Person]:
    people = []
    for item in _list(value.get("contacts")):
        contact = _dict(item)
        profile = _dict(contact.get("profile"))
        people.append(
            _Person(
                wa_id=_str(contact.get("wa_id")),
                user_id=_str(contact.get("user_id")),
                parent_user_id=_str(contact.get("parent_user_id")),
                name=_str(profile.get("name")),
                username=_str(profile.get("username")),
            )
        )
    return people


def _who(people: list[_Person], wa_id: str, user_id: str) -> _Person | None:
    """The contact a message or status is about: the one with its phone or BSUID; should the ids
    ever differ, a lone contact is still them."""
    found = next((p for p in people if (wa_id and p["wa_id"] == wa_id) or (user_id and p["user_id"] == user_id)), None)
    return found if found is not None or len(people) != 1 else people[0]


def _message(value: dict[str, Any], raw: dict[str, Any], people: list[_Person]) -> InboundMessage | None:
    meta_id, sender = _str(raw.get("id")), _str(raw.get("from"))
    # A username user's message may come without `from` (the phone), or with their BSUID in it;
    # `contacts[].user_id` (and `from_user_id`) carry the BSUID (M-BSUID; Meta's sample of a
    # contact-request answer has no `from`; pywa reads the user from `contacts[0]`).
    from_user_id = _str(raw.get("from_user_id"))
    if is_bsuid(sender):
        sender, from_user_id = "", from_user_id or sender
    if sender or from_user_id:
        person = _who(people, sender, from_user_id)
    else:
        # Meta leaves `from` out only for a user it knows by BSUID: a lone contact without one
        # does not make a message without a sender theirs.
        person = people[0] if len(people) == 1 and people[0]["user_id"] else None
    wa_id = sender or (person["wa_id"] if person else "")
    user_id = from_user_id or (person["user_id"] if person else "")
    if not meta_id or not (wa_id or user_id):
        return None
    metadata = _dict(value.get("metadata"))
    meta_type = _str(raw.get("type"))
    content = _content(meta_type, _dict(raw.get(meta_type)), raw) if meta_type in CONTENT_TYPES else None
    return InboundMessage(
        phone_number_id=_str(metadata.get("phone_number_id")),
        display_phone_number=_str(metadata.get("display_phone_number")),
        from_wa_id=wa_id,
        contact_wa_id=person["wa_id"] if person else "",
        profile_name=person["name"] if person else "",
        user_id=user_id,
        parent_user_id=person["parent_user_id"] if person else "",
        username=person["username"] if person else "",
        meta_id=meta_id,
        timestamp=_time(raw.get("timestamp")),
        meta_type=meta_type if content is not None else UNSUPPORTED,
        referral=_referral(raw),
        unsupported_type=_unsupported_type(meta_type, raw) if content is None else "",
        context=_context(raw),
        errors=_errors(raw.get("errors")),
        raw=raw,
        **(content or _Content()),
    )


def _status(value: dict[str, Any], raw: dict[str, Any], people: list[_Person]) -> StatusUpdate | None:
    meta_id, status = _str(raw.get("id")), _str(raw.get("status"))
    if not meta_id or not status:
        return None
    # `recipient_user_id` on the status, and `contacts[].user_id` beside it (M-BSUID); a failed
    # status comes without `contacts` (dualhook.com/docs/contacts-bsuid-webhooks, quoting Meta).
    recipient_id, recipient_user_id = _str(raw.get("recipient_id")), _str(raw.get("recipient_user_id"))
    person = _who(people, recipient_id, recipient_user_id)
    metadata, pricing, conversation = (
        _dict(value.get("metadata")),
        _dict(raw.get("pricing")),
        _dict(raw.get("conversation")),
    )
    billable = pricing.get("billable")
    return StatusUpdate(
        phone_number_id=_str(metadata.get("phone_number_id")),
        display_phone_number=_str(metadata.get("display_phone_number")),
        meta_id=meta_id,
        status=status,
        timestamp=_time(raw.get("timestamp")),
        recipient_id=recipient_id,
        recipient_user_id=recipient_user_id or (person["user_id"] if person else ""),
        recipient_parent_user_id=_str(raw.get("recipient_parent_user_id"))
        or (person["parent_user_id"] if person else ""),
        errors=_errors(raw.get("errors")),
        pricing_category=_str(pricing.get("category")),
        pricing_model=_str(pricing.get("pricing_model")),
        pricing_type=_str(pricing.get("type")),
        billable=billable if isinstance(billable, bool) else None,
        conversation_id=_str(conversation.get("id")),
        conversation_origin=_str(_dict(conversation.get("origin")).get("type")),
        biz_opaque_callback_data=_str(raw.get("biz_opaque_callback_data")),
        raw=raw,
    )


def _template_status(waba_id: str, value: dict[str, Any]) -> Change:
    template_id = _str(value.get("message_template_id"))
    if not template_id:
        return UnknownChange(field="message_template_status_update", raw=value)
    rejection, other = _dict(value.get("rejection_info")), _dict(value.get("other_info"))
    return TemplateStatusUpdate(
        waba_id=waba_id,
        event=_str(value.get("event")),
        template_id=template_id,
        name=_str(value.get("message_template_name")),
        language=_str(value.get("message_template_language")),
        reason=_str(value.get("reason")),
        category=_str(value.get("message_template_category")),
        rejection_info=RejectionInfo(
            reason=_str(rejection.get("reason")), recommendation=_str(rejection.get("recommendation"))
        ),
        other_info_title=_str(other.get("title")),
        other_info_description=_str(other.get("description")),
    )


def _messages_change(value: Any) -> list[Change]:
    if not isinstance(value, dict):
        return [UnknownChange(field="messages", raw=value)]
    people = _people(value)
    changes: list[Change] = []
    for raw in _list(value.get("messages")):
        message = _message(value, raw, people) if isinstance(raw, dict) else None
        changes.append(message if message is not None else UnknownChange(field="messages", raw=raw))
    for raw in _list(value.get("statuses")):
        status = _status(value, raw, people) if isinstance(raw, dict) else None
        changes.append(status if status is not None else UnknownChange(field="statuses", raw=raw))
    if not changes:
        # e.g. `value.errors[]` alone: Meta's out-of-band errors, kept in the stored event.
        changes.append(UnknownChange(field="messages", raw=value))
    return changes


def _clean_text(value: str) -> str:
    return _UNSTORABLE.sub(_REPLACEMENT, value)


def _clean(data: Any) -> Any:
    """`data` with every string (keys too) storable as UTF-8 text: a lone surrogate (`"\\ud800"`
    is valid JSON, but no UTF-8 encoder takes the string it decodes to) and NUL (which
    PostgreSQL's text refuses) become U+FFFD. Containers are cleaned in place, without
    recursion: JSON nested a thousand deep must not cost a `RecursionError`."""
    if isinstance(data, str):
        return _clean_text(data)
    pending = [data]
    while pending:
        container = pending.pop()
        if isinstance(container, dict):
            items = list(container.items())
            container.clear()
            for key, item in items:
                if isinstance(item, str):
                    item = _clean_text(item)
                elif isinstance(item, dict | list):
                    pending.append(item)
                container[_clean_text(key) if isinstance(key, str) else key] = item
        elif isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    container[index] = _clean_text(item)
                elif isinstance(item, dict | list):
                    pending.append(item)
    return data


def _load(body: bytes | str | Mapping[str, Any]) -> Any:
    if not isinstance(body, bytes | bytearray | str):
        return body  # already decoded (a list or a number is refused by the caller)
    if isinstance(body, bytes | bytearray):
        # Meta sends UTF-8; a byte that is not becomes U+FFFD rather than costing the batch.
        body = bytes(body).decode(json.detect_encoding(body), "replace")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidWebhook("The body is not JSON.") from exc
    # Only an escape (`\udXXX`, `\u0000`) or a raw surrogate can put such a character in a string.
    return _clean(data) if _MAYBE_UNSTORABLE.search(body) else data


def parse_webhook(body: bytes | str | Mapping[str, Any]) -> list[Change]:
    """Every change of a webhook body (raw bytes as Meta signed them, or already decoded), in order."""
    data = _load(body)
    if not isinstance(data, Mapping) or data.get("object") != ENVELOPE_OBJECT:
        raise InvalidWebhook(f"The body is not a {ENVELOPE_OBJECT} webhook.")
    changes: list[Change] = []
    for entry in _list(data.get("entry")):
        waba_id = _str(_dict(entry).get("id"))
        for change in _list(_dict(entry).get("changes")):
            kind, value = _str(_dict(change).get("field")), _dict(change).get("value")
            if kind == "messages":
                changes.extend(_messages_change(value))
            elif kind == "message_template_status_update" and isinstance(value, dict):
                changes.append(_template_status(waba_id, value))
            else:
                changes.append(UnknownChange(field=kind, raw=value if isinstance(change, dict) else change))
    return changes
