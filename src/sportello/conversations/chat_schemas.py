"""The wire `Chat`: the same in the REST API and the iframe events (`schemas/chat.v1.json`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sportello.contacts.schemas import AssignedOperator, ContactRead
from sportello.kit.pagination import Page
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
    user_id: str = Field(default="", description="The customer's WhatsApp user id (BSUID), empty until Meta tells it.")
    username: str = Field(default="", description="The customer's WhatsApp username, empty if none.")


class ChatFound(ChatRead):
    """A chat of the web app's list; with a search, the message that matched it (if one did)."""

    matched_message: MessageRead | None = Field(
        default=None, description="The chat's newest message containing the search, when a message matched."
    )


class ChatList(Page[ChatFound]):
    """The web app's chat list: a page, and what the host page's events need beside it."""

    page: int
    has_filters: bool
    unread_chats: int = Field(description="Chats with unread messages among those the viewer may see.")
    last_event_id: int = Field(
        default=0, description="The account's last live event when `unread_chats` was counted: later events move it."
    )
