"""Checks a send as Meta does, answering its error codes (100 for a bad parameter)."""

from __future__ import annotations

import re
from typing import Any

from sportello.emulator.errors import GraphError
from sportello.emulator.state import BSUID, State, StoredTemplate
from sportello.emulator.template_render import render_send

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
TYPES = ("text", "template", "interactive", "reaction", "location", "contacts", *MEDIA_TYPES)


def _str(obj: dict[str, Any], key: str, where: str, *, max_len: int, required: bool = True) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise GraphError(100, f"Param {where}{key} is required and must be a string.")
    if len(value) > max_len:
        raise GraphError(100, f"Param {where}{key} must be at most {max_len} characters.")
    return value


def recipient(body: dict[str, Any], state: State | None = None) -> str:
    """The customer's phone digits, from `to` (a phone) or `recipient` (a BSUID, for a user whose
    phone the business may not know); `to` wins when both are sent (M-BSUID, "Messages API")."""
    to = body.get("to")
    if to is None and state is not None and body.get("recipient") is not None:
        bsuid = body["recipient"]
        if not isinstance(bsuid, str) or not BSUID.fullmatch(bsuid):
            raise GraphError(100, f"Param recipient '{str(bsuid)[:30]}' is not a valid business-scoped user ID.")
        digits = state.resolve(bsuid)
        if digits is None:
            raise GraphError(100, f"Param recipient '{bsuid[:30]}' is not a user of this business.")
        return digits
    if not isinstance(to, str):
        raise GraphError(100, "Param to is required.")
    digits = re.sub(r"[+\-() ]", "", to)
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise GraphError(100, f"Param to '{to[:30]}' is not a valid phone number.")
    return digits


def _interactive(body: dict[str, Any]) -> None:
    interactive = body.get("interactive")
    if not isinstance(interactive, dict):
        raise GraphError(100, "Param interactive is required.")
    kind = interactive.get("type")
    body_obj = interactive.get("body")
    action = interactive.get("action")
    if not isinstance(body_obj, dict) or not isinstance(action, dict):
        raise GraphError(100, "Params interactive.body and interactive.action are required.")
    if kind == "button":
        _str(body_obj, "text", "interactive.body.", max_len=1024)
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise GraphError(100, "Param interactive.action.buttons must have 1 to 3 buttons.")
        for button in buttons:
            reply = button.get("reply") if isinstance(button, dict) else None
            if not isinstance(reply, dict) or button.get("type") != "reply":
                raise GraphError(100, "Each button is {type: reply, reply: {id, title}}.")
            _str(reply, "id", "button.reply.", max_len=256)
            _str(reply, "title", "button.reply.", max_len=20)
    elif kind == "list":
        _str(body_obj, "text", "interactive.body.", max_len=4096)
        _str(action, "button", "interactive.action.", max_len=20)
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            raise GraphError(100, "Param interactive.action.sections must have 1 to 10 sections.")
        rows = [row for section in sections if isinstance(section, dict) for row in section.get("rows", [])]
        if not 1 <= len(rows) <= 10:
            raise GraphError(100, "A list message has 1 to 10 rows in total.")
        for row in rows:
            if not isinstance(row, dict):
                raise GraphError(100, "Each row is an object.")
            _str(row, "id", "row.", max_len=200)
            _str(row, "title", "row.", max_len=24)
            _str(row, "description", "row.", max_len=72, required=False)
    else:
        raise GraphError(100, f"Interactive type '{kind}' is not supported here.")


def approved_template(state: State, template: dict[str, Any], waba_id: str) -> StoredTemplate:
    """The approved template a send names, or Meta's 132001."""
    name = _str(template, "name", "template.", max_len=512)
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        raise GraphError(100, "Param template.language.code is required.")
    stored = next(
        (t for t in state.templates.values() if t.waba_id == waba_id and t.name == name and t.language == code), None
    )
    if stored is None or stored.status != "APPROVED":
        raise GraphError(132001, f"template name ({name}) does not exist in {code}")
    return stored


def _template(state: State, body: dict[str, Any], waba_id: str) -> None:
    template = body.get("template")
    if not isinstance(template, dict):
        raise GraphError(100, "Param template is required.")
    render_send(approved_template(state, template, waba_id), template)


def validate_send(state: State, body: Any, waba_id: str) -> tuple[str, str]:
    """Returns (recipient digits, type) or raises Meta's synchronous error."""
    if not isinstance(body, dict):
        raise GraphError(100, "The request body must be a JSON object.")
    if body.get("messaging_product") != "whatsapp":
        raise GraphError(100, "Param messaging_product must be 'whatsapp'.")
    to = recipient(body, state)
    kind = body.get("type", "text")
    if kind not in TYPES:
        raise GraphError(100, f"Param type '{str(kind)[:30]}' is not a valid message type.")
    context = body.get("context")
    if context is not None and (not isinstance(context, dict) or not isinstance(context.get("message_id"), str)):
        raise GraphError(100, "Param context.message_id must be a string.")
    obj = body.get(kind)
    if kind == "text":
        if not isinstance(obj, dict):
            raise GraphError(100, "Param text is required.")
        _str(obj, "body", "text.", max_len=4096)
    elif kind in MEDIA_TYPES:
        if not isinstance(obj, dict) or not (isinstance(obj.get("id"), str) or isinstance(obj.get("link"), str)):
            raise GraphError(100, f"Param {kind} needs an id or a link.")
        if isinstance(obj.get("id"), str) and obj["id"] not in state.media:
            raise GraphError(131053, f"Media id {obj['id']} is not valid.")
    elif kind == "interactive":
        _interactive(body)
    elif kind == "template":
        _template(state, body, waba_id)
    elif kind == "reaction" and (
        not isinstance(obj, dict) or not isinstance(obj.get("message_id"), str) or not isinstance(obj.get("emoji"), str)
    ):
        raise GraphError(100, "Param reaction needs message_id and emoji.")
    return to, str(kind)
