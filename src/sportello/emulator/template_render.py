"""A template send as the customer's phone shows it, checked against the approved template as Meta
checks it: each component (header, body, each URL button) takes its own parameters, numbered
from `{{1}}` within that component, or named (`parameter_format: NAMED`, `{{order_id}}` filled by
the parameter whose `parameter_name` is `order_id`). A send whose parameters do not fit a
component is refused with 132000, as Meta refuses it.

Sources: Meta's template message reference (components `header`, `body`, `button` with `sub_type`
and `index`; named parameters carry `parameter_name`), and error 132000 "number of
localizable_params (1) does not match the expected number of params (2)" in
`shared/whatsapp-cloud-api.md` §3."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sportello.emulator.errors import GraphError
from sportello.emulator.state import StoredTemplate

POSITIONAL = re.compile(r"\{\{(\d+)\}\}")
NAMED = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}")


@dataclass
class RenderedTemplate:
    text: str  # header, body and footer, as the chat bubble shows them
    buttons: list[dict[str, str]] = field(default_factory=list)  # type, text, and url or payload


def _named(stored: StoredTemplate) -> bool:
    return str(stored.parameter_format).upper() == "NAMED"


def _variables(text: str, named: bool) -> list[str]:
    found = (NAMED if named else POSITIONAL).findall(text)
    return list(dict.fromkeys(found))


def _values(component: dict[str, Any] | None, where: str) -> list[dict[str, Any]]:
    if component is None:
        return []
    parameters = component.get("parameters")
    if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
        raise GraphError(100, f"Param {where}.parameters must be an array of objects.")
    return parameters


def _text_of(parameter: dict[str, Any], where: str) -> str:
    kind = parameter.get("type")
    if kind == "text" and isinstance(parameter.get("text"), str):
        return str(parameter["text"])
    if kind == "currency" and isinstance(parameter.get("currency"), dict):
        return str(parameter["currency"].get("fallback_value", ""))
    if kind == "date_time" and isinstance(parameter.get("date_time"), dict):
        return str(parameter["date_time"].get("fallback_value", ""))
    raise GraphError(100, f"Param {where} must be a text parameter.")


def _fill(text: str, parameters: list[dict[str, Any]], *, named: bool, where: str) -> str:
    wanted = _variables(text, named)
    if len(parameters) != len(wanted):
        raise GraphError(
            132000,
            f"number of localizable_params ({len(parameters)}) does not match the expected number of "
            f"params ({len(wanted)}) in {where}",
        )
    if named:
        given = {str(p.get("parameter_name", "")): _text_of(p, where) for p in parameters}
        unknown = sorted(set(given) - set(wanted))
        if unknown:
            raise GraphError(132000, f"Parameter name {unknown[0]} is not in the template's {where}.")
        return NAMED.sub(lambda m: given[m.group(1)], text)
    values = [_text_of(p, where) for p in parameters]
    return POSITIONAL.sub(lambda m: values[int(m.group(1)) - 1] if int(m.group(1)) <= len(values) else m.group(0), text)


def render_send(stored: StoredTemplate, sent: dict[str, Any]) -> RenderedTemplate:
    """The text and buttons the customer sees, or Meta's error for parameters that do not fit."""
    components = sent.get("components") or []
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise GraphError(100, "Param template.components must be an array of objects.")
    by_type: dict[str, dict[str, Any]] = {}
    by_button: dict[int, dict[str, Any]] = {}
    for component in components:
        kind = str(component.get("type", "")).lower()
        if kind == "button":
            position = str(component.get("index", ""))
            if not position.isdigit():
                raise GraphError(100, "Param template.components[].index is required for a button.")
            by_button[int(position)] = component
        elif kind in ("header", "body"):
            by_type[kind] = component
        else:
            raise GraphError(100, f"Template component type '{kind[:20]}' is not valid.")
    named = _named(stored)
    parts: list[str] = []
    buttons: list[dict[str, str]] = []
    for component in stored.components:
        kind = str(component.get("type", "")).upper()
        if kind in ("HEADER", "BODY"):
            if kind == "HEADER" and str(component.get("format", "TEXT")).upper() != "TEXT":
                continue
            where = kind.lower()
            parts.append(
                _fill(str(component.get("text", "")), _values(by_type.get(where), where), named=named, where=where)
            )
        elif kind == "FOOTER":
            parts.append(str(component.get("text", "")))
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                buttons.append(_button(index, button, by_button.pop(index, None)))
    if by_button:
        raise GraphError(100, f"The template has no button at index {min(by_button)} that takes a parameter.")
    return RenderedTemplate(text="\n\n".join(part for part in parts if part), buttons=buttons)


def _button(index: int, button: dict[str, Any], sent: dict[str, Any] | None) -> dict[str, str]:
    kind = str(button.get("type", "")).upper()
    shown = {"type": kind, "text": str(button.get("text", ""))}
    where = f"button {index}"
    if kind == "URL":
        # A URL button ends in one positional {{1}}, in NAMED templates too.
        shown["url"] = _fill(str(button.get("url", "")), _values(sent, where), named=False, where=where)
    elif kind == "QUICK_REPLY":
        parameters = _values(sent, where)
        payload = parameters[0].get("payload") if parameters else None
        shown["payload"] = str(payload) if isinstance(payload, str) else shown["text"]
    elif kind == "PHONE_NUMBER":
        shown["phone_number"] = str(button.get("phone_number", ""))
    if sent is not None and kind not in ("URL", "QUICK_REPLY"):
        raise GraphError(100, f"The template's {where} takes no parameter.")
    return shown
