"""Meta's request schema of the send endpoint, as the yardstick of what Sportello sends."""

from __future__ import annotations

from typing import Any

from support import meta_schema

SEND_PATH = "/{Version}/{Phone-Number-ID}/messages"


def send_schema_name() -> str:
    """The schema Meta's OpenAPI names for the body of `POST /{Version}/{Phone-Number-ID}/messages`."""
    operation = meta_schema._spec()["paths"][SEND_PATH]["post"]
    ref: str = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def send_schema_errors(body: dict[str, Any]) -> list[str]:
    """Errors of `body` against the request schema of Meta's send endpoint (none: it is valid)."""
    # Meta documents `biz_opaque_callback_data` on its send and status pages, though its OpenAPI
    # leaves it out: the key is checked for its type, then set aside.
    body = dict(body)
    callback = body.pop("biz_opaque_callback_data", None)
    problems = [] if callback is None or isinstance(callback, str) else ["biz_opaque_callback_data: not a string"]
    return problems + meta_schema.errors(send_schema_name(), body)
