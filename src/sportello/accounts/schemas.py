"""What crosses the wire about accounts and users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from sportello.accounts.models import Role, UserType
from sportello.kit.schemas import InputSchema, OutputSchema

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=10, max_length=256, strip_whitespace=False)]
Language = Annotated[str, Field(pattern="^(it|en|es)$")]


class UserCreate(InputSchema):
    email: EmailStr = Field(max_length=254)
    name: Name
    role: Role
    password: Password
    language: Language = "en"


class RoleChange(InputSchema):
    role: Role


class UserRead(OutputSchema):
    id: int
    email: str
    name: str
    role: Role
    user_type: UserType
    language: str
    is_active: bool
    has_private_key: bool
    created_at: datetime


class AccountRead(OutputSchema):
    id: int
    name: str
    users: int
    created_at: datetime


class AccountSettingsRead(OutputSchema):
    send_read_receipts: bool


class AccountSettingsUpdate(InputSchema):
    send_read_receipts: bool


class NotificationsRead(OutputSchema):
    notify_new_messages: bool


class NotificationsUpdate(InputSchema):
    notify_new_messages: bool
