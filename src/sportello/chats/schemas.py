"""The `Chat` shape: the same in the REST API and the iframe events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sportello.contacts.schemas import AssignedOperator, ContactRead
from sportello.messages.schemas import MessageRead

CHAT_SCHEMA_VERSION = 1


class ChatRead(BaseModel):
    uuid: str
    chat_link: str
    contact: ContactRead
    last_message: MessageRead | None
    has_unread_messages: bool
    unread_count: int
    operators: list[AssignedOperator]
    tags: list[str]
    window_closes_datetime: datetime | None = Field(
        description="Free text is allowed until then (24 hours after the customer last wrote); then templates only."
    )
    updated_datetime: datetime
