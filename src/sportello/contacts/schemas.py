"""The `Contact` shape of Spoki's API, and what creates or changes one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from sportello.kit.schemas import InputSchema

Phone = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Name = Annotated[str, StringConstraints(max_length=100)]
TagName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class AssignedOperator(BaseModel):
    id: int
    email: str
    name: str
    role: str


class ContactRead(BaseModel):
    id: int
    phone: str = Field(description="E.164, with the +.", examples=["+393331234567"])
    first_name: str
    last_name: str
    email: str
    language: str
    status: str
    is_blocked: bool
    chat_uuid: str = Field(description="32 lowercase hex characters.")
    chat_link: str = Field(description="{APP}/chats/<chat_uuid>: open it in the iframe.")
    role_set: list[AssignedOperator] = Field(description="Operators assigned to this contact.")
    tag_set: list[str]
    list_set: list[str]
    created_datetime: datetime


class ContactCreate(InputSchema):
    phone: Phone
    first_name: Name = ""
    last_name: Name = ""
    email: EmailStr | None = None
    language: Annotated[str, StringConstraints(max_length=8)] = ""
    tags: Annotated[list[TagName], Field(max_length=50)] = []


class ContactUpdate(InputSchema):
    phone: Phone | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    email: EmailStr | None = None
    language: Annotated[str, StringConstraints(max_length=8)] | None = None
    is_blocked: bool | None = None
    tags: Annotated[list[TagName], Field(max_length=50)] | None = None


class OperatorEmail(InputSchema):
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
