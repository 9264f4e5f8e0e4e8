"""Who is acting: the user behind a login session, a frame session or an API key."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.accounts.models import Role, User


@dataclass(frozen=True)
class Actor:
    user_id: int
    account_id: int
    role: Role

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user_id=user.id, account_id=user.account_id, role=user.role)
