"""Meta's errors, typed: the code decides whether a send is retried, and what the agent reads.

Meta asks to branch on `code` (with `error_data.details`), never on the title or the HTTP status."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).parent / "error_catalog"
LANGUAGES = ("it", "en", "es")
# Not Meta's: no answer from Meta that we can read. A connection that failed or timed out, a
# 5xx without Meta's error envelope (a proxy's page), a 2xx that is not Meta's JSON. The outcome
# of a send is then unknown (Meta may have accepted it), so it is retried, and the sender finds
# an accepted one again by the `biz_opaque_callback_data` Meta echoes in its status webhooks.
TRANSPORT_ERROR = -1
RETRYABLE_CODES = frozenset(
    {
        TRANSPORT_ERROR,
        1,  # API unknown (Meta: temporary, retry)
        2,  # API service (Meta: temporary downtime)
        4,  # app-level call rate
        80007,  # WABA rate limit
        130429,  # Cloud API throughput
        131016,  # service unavailable
        131056,  # pair rate: the same customer, too fast
        131057,  # number under maintenance
    }
)
# Sending the same request again gives the same answer: the agent (or the admin) must act.
PERMANENT_CODES = frozenset(
    {
        0,  # authentication
        10,  # permission
        100,  # invalid parameter
        190,  # access token expired
        131008,  # required parameter missing
        131009,  # parameter value invalid
        131026,  # undeliverable
        131047,  # 24 h window closed: a template is needed
        131051,  # unsupported message type
        132000,  # template parameter count
        132001,  # template missing in that language, or not approved
    }
)


@cache
def _catalog(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((CATALOG_DIR / f"{language}.json").read_text("utf-8"))
    return data


def _language(language: str) -> str:
    short = language[:2].lower()
    return short if short in LANGUAGES else "en"


def agent_message(code: int | None, language: str, details: str = "") -> str:
    """A sentence an agent understands, in `language` (it, en, es; anything else reads English).
    A code the catalog does not know gets a generic sentence that still names Meta's code."""
    catalog = _catalog(_language(language))
    text = catalog.get(str(code)) or catalog["generic"].replace("{code}", str(code))
    return text.replace("{details}", details).strip()


class GraphApiError(Exception):
    """A call to Meta's Graph API that did not succeed: Meta's refusal, or no usable answer."""

    def __init__(
        self,
        *,
        http_status: int,
        code: int,
        message: str,
        details: str = "",
        fbtrace_id: str = "",
        title: str = "",
        error_type: str = "",
    ) -> None:
        super().__init__(f"({code}) {message}")
        self.http_status = http_status  # 0 when no answer came at all
        self.code = code
        self.message = message
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.title = title
        self.error_type = error_type  # Meta's `type`, e.g. OAuthException

    @property
    def is_retryable(self) -> bool:
        if self.code in PERMANENT_CODES:
            return False
        return self.code in RETRYABLE_CODES or self.http_status >= 500

    def agent_message(self, language: str = "en") -> str:
        """A sentence an agent understands, in their language, with Meta's code for support."""
        return agent_message(self.code, language, self.details or self.message)

    @classmethod
    def from_response(cls, http_status: int, body: Any) -> GraphApiError:
        """Meta's envelope `{"error": {"message", "type", "code", "error_data": {"details"},
        "fbtrace_id"}}`; without one, the HTTP status stands in for the code (a 5xx: unknown outcome)."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(
                http_status=http_status,
                code=TRANSPORT_ERROR if http_status >= 500 else http_status,
                message=f"HTTP {http_status} without Meta's error",
            )
        data = error.get("error_data")
        code = error.get("code")
        return cls(
            http_status=http_status,
            code=code if isinstance(code, int) and not isinstance(code, bool) else http_status,
            message=str(error.get("message") or ""),
            details=str(data.get("details") or "") if isinstance(data, dict) else "",
            fbtrace_id=str(error.get("fbtrace_id") or ""),
            title=str(error.get("error_user_title") or ""),
            error_type=str(error.get("type") or ""),
        )
