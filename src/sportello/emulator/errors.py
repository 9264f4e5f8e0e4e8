"""Meta's error envelope, as the Graph API answers it."""

from __future__ import annotations

import secrets

from fastapi.responses import JSONResponse

TITLES = {
    0: "AuthException",
    100: "Invalid parameter",
    190: "Access token has expired or is invalid",
    130429: "Rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131053: "Media upload error",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    131009: "Parameter value is not valid",
    131008: "Required parameter is missing",
}


class GraphError(Exception):
    def __init__(self, code: int, details: str, *, http_status: int = 400) -> None:
        super().__init__(details)
        self.code = code
        self.details = details
        self.http_status = http_status

    def response(self) -> JSONResponse:
        title = TITLES.get(self.code, "Error")
        return JSONResponse(
            {
                "error": {
                    "message": f"(#{self.code}) {title}",
                    "type": "OAuthException",
                    "code": self.code,
                    "error_data": {"messaging_product": "whatsapp", "details": self.details},
                    "fbtrace_id": secrets.token_urlsafe(12),
                }
            },
            status_code=self.http_status,
        )


def async_error(code: int, title: str, details: str) -> dict[str, object]:
    """The `errors[]` item of a `failed` status webhook."""
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
