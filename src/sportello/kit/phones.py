"""Phone numbers in E.164, as WhatsApp knows them."""

from __future__ import annotations

import functools

import phonenumbers

from sportello.errors import InvalidInput


def to_e164(value: str, *, default_region: str | None = None) -> str:
    """`+39 333 123 4567`, `0039…`, or Meta's bare digits `393331234567` → `+393331234567`."""
    return _to_e164(value, default_region)


# Parsing a number costs more than everything else an inbound webhook does in Python, and a
# burst names the same few customers again and again. A refusal is not kept: it raises.
@functools.lru_cache(maxsize=4096)
def _to_e164(value: str, default_region: str | None) -> str:
    raw = value.strip()
    if not raw or len(raw) > 40:
        raise InvalidInput(
            "Write the phone number with its country code, e.g. +39 333 123 4567.", code="invalid_phone", field="phone"
        )
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    elif raw[0].isdigit() and default_region is None:
        # Meta's wa_id: country code and number, no plus.
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise InvalidInput(
            f"'{value[:40]}' is not a phone number with its country code, e.g. +39 333 123 4567.",
            code="invalid_phone",
            field="phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def wa_id(e164: str) -> str:
    """What Meta calls `wa_id` and expects in `to`: the digits, no plus."""
    return e164.lstrip("+")
