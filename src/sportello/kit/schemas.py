"""Base schemas: what crosses the wire is strict about unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class InputSchema(BaseModel):
    """A request body: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where in the request: body, query or path, then the field.")
    msg: str
    type: str


class ErrorOut(BaseModel):
    detail: str
    code: str
    errors: list[FieldError] | None = Field(
        default=None, description="With `invalid_input`: each field that is wrong, and why."
    )


# Ids are 32-bit on PostgreSQL: a larger number is simply not found, never a database error.
MAX_ID = 2_147_483_647


# Every API route may answer these, always as `ErrorOut`: documented once, on each router.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "Malformed request (code names what)"},
    401: {"model": ErrorOut, "description": "No valid API key, or no valid session"},
    403: {"model": ErrorOut, "description": "Not allowed (e.g. api_key_not_approved, api_key_revoked)"},
    404: {"model": ErrorOut, "description": "Not found in the caller's account"},
    409: {"model": ErrorOut, "description": "Conflicts with the current state"},
    413: {"model": ErrorOut, "description": "Body too large"},
    429: {"model": ErrorOut, "description": "Too many requests (see Retry-After)"},
}
