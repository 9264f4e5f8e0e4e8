"""Meta's errors, typed: the code decides whether a send is retried, and what the agent reads."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).parent / "error_catalog"
# Not Meta's: the request never got an answer (timeout, connection refused, broken response).
TRANSPORT_ERROR = -1
RETRYABLE_CODES = frozenset({4, 80007, 130429, 131056, 131057, 2, 1, TRANSPORT_ERROR})


@cache
def _catalog(language: str) -> dict[str, str]:
    path = CATALOG_DIR / f"{language if language in ('it', 'en', 'es') else 'en'}.json"
    data: dict[str, str] = json.loads(path.read_text("utf-8"))
    return data


class GraphApiError(Exception):
    def __init__(self, *, http_status: int, code: int, message: str, details: str = "", fbtrace_id: str = "") -> None:
        super().__init__(f"({code}) {message}")
        self.http_status = http_status
        self.code = code
        self.message = message
        self.details = details
        self.fbtrace_id = fbtrace_id

    @property
    def is_retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or self.http_status >= 500

    def agent_message(self, language: str = "en") -> str:
        """A sentence an agent understands, in their language, with Meta's code for support."""
        return agent_message(self.code, language, self.details or self.message)

    @classmethod
    def from_response(cls, http_status: int, body: Any) -> GraphApiError:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(http_status=http_status, code=http_status, message=f"HTTP {http_status} without Meta's error")
        data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
        code = error.get("code")
        return cls(
            http_status=http_status,
            code=code if isinstance(code, int) else http_status,
            message=str(error.get("message") or ""),
            details=str((data or {}).get("details") or ""),
            fbtrace_id=str(error.get("fbtrace_id") or ""),
        )


def agent_message(code: int | None, language: str, details: str = "") -> str:
    catalog = _catalog(language)
    text = catalog.get(str(code)) or catalog["generic"].replace("{code}", str(code))
    return text.replace("{details}", details)
