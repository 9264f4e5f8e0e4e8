"""The typed errors every service raises. One exception handler turns them into
`{"detail", "code"}` with the right status; clients branch on `code`, never on the text."""

from __future__ import annotations


class SportelloError(Exception):
    status_code = 400
    default_code = "error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code


class InvalidInput(SportelloError):
    status_code = 400
    default_code = "invalid_input"

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.field = field


class Unauthorized(SportelloError):
    status_code = 401
    default_code = "not_authenticated"


class Forbidden(SportelloError):
    status_code = 403
    default_code = "forbidden"


class NotFound(SportelloError):
    status_code = 404
    default_code = "not_found"


class Conflict(SportelloError):
    status_code = 409
    default_code = "conflict"


class RateLimited(SportelloError):
    status_code = 429
    default_code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, retry_after)


class Unavailable(SportelloError):
    """Sportello cannot do it right now (its database refused a write): the caller should retry."""

    status_code = 503
    default_code = "unavailable"
