"""WhatsApp's business-scoped user ids (BSUIDs), as Meta writes them.

A BSUID is a two-letter country code, a dot and up to 128 alphanumerics (`US.13491208655302741918`);
a parent BSUID has `ENT` between them (`US.ENT.11815799212886844830`). Source: Meta's
"Business-scoped user IDs" page (M-BSUID,
https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids),
and pywa's `BSUID_RE` (`pywa/_helpers.py`, which accepts digits only after the dot: Meta's
page allows any alphanumerics, so this one does too)."""

from __future__ import annotations

import re

MAX_LENGTH = 2 + 1 + 4 + 128
_BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def is_bsuid(value: str) -> bool:
    """Whether `value` is written as a BSUID or a parent BSUID (not whether Meta knows it)."""
    return _BSUID.fullmatch(value) is not None
