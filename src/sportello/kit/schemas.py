"""Base schemas: what crosses the wire is strict about unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class InputSchema(BaseModel):
    """A request body: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorOut(BaseModel):
    detail: str
    code: str


# Ids are 32-bit on PostgreSQL: a larger number is simply not found, never a database error.
MAX_ID = 2_147_483_647
