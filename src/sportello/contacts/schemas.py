"""The `Contact` shape of Spoki's API, and what creates or changes one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from sportello.kit.schemas import InputSchema

Phone = Annotated[str, StringConstraints(min_length=1, max_length=40)]
# A business-scoped user id as Meta writes it (whatsapp/user_ids.py): `US.13491208655302741918`.
UserId = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$")]
Name = Annotated[str, StringConstraints(max_length=100)]
TagName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class AssignedOperator(BaseModel):
    id: int
    email: str
    name: str
    role: str


class ContactRead(BaseModel):
    id: int
    phone: str = Field(
        description="E.164, with the +; empty for a WhatsApp user known only by user id (a username user).",
        examples=["+393331234567"],
    )
    user_id: str = Field(
        default="",
        description="WhatsApp's business-scoped user id (BSUID), empty until Meta tells it.",
        examples=["IT.13491208655302741918"],
    )
    username: str = Field(default="", description="The WhatsApp username the person chose, empty if none.")
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
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {
            "examples": [
                {
                    "phone": "+39 333 123 4567",
                    "first_name": "Giulia",
                    "last_name": "Rossi",
                    "email": "giulia@example.com",
                    "language": "it",
                    "tags": ["vip"],
                }
            ]
        },
    }

    phone: Phone | None = None
    user_id: UserId | None = Field(
        default=None, description="A WhatsApp user id (BSUID), for a customer whose phone is not known."
    )
    first_name: Name = ""
    last_name: Name = ""
    email: EmailStr | None = None
    language: Annotated[str, StringConstraints(max_length=8)] = ""
    tags: Annotated[list[TagName], Field(max_length=50)] = []


class ContactUpdate(InputSchema):
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {"examples": [{"is_blocked": True}, {"first_name": "Giulia", "tags": ["vip", "milano"]}]},
    }

    phone: Phone | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    email: EmailStr | None = None
    language: Annotated[str, StringConstraints(max_length=8)] | None = None
    is_blocked: bool | None = None
    tags: Annotated[list[TagName], Field(max_length=50)] | None = None


class OperatorEmail(InputSchema):
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {"examples": [{"email": "marco@demo-shop.example.com"}]},
    }

    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]


class ContactPanelRead(ContactRead):
    """The chat page's contact panel: the REST `Contact` and the agents' note, which stays inside
    Sportello (CONTRACT §5 lists the REST contact's fields; the note is not one of them)."""

    note: str


# Lengths are checked by the service, so that a page hears a coded error it can say in its language.
class ContactPanelUpdate(InputSchema):
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {"examples": [{"first_name": "Giulia", "tags": ["vip"], "note": "Prefers calls"}]},
    }

    first_name: Annotated[str, StringConstraints(max_length=1000)] | None = None
    last_name: Annotated[str, StringConstraints(max_length=1000)] | None = None
    email: Annotated[str, StringConstraints(max_length=1000)] | None = None
    language: Annotated[str, StringConstraints(max_length=100)] | None = None
    tags: Annotated[list[Annotated[str, StringConstraints(max_length=1000)]], Field(max_length=200)] | None = None
    note: Annotated[str, StringConstraints(max_length=20000)] | None = None
