"""Who calls with an API key: the account the key belongs to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiCaller:
    account_id: int
    api_key_id: int
    allowed_origins: tuple[str, ...]
