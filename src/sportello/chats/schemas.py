"""What the chat routes take and give beside the wire `Chat` (`conversations.chat_schemas`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sportello.kit.schemas import InputSchema


class UnreadState(BaseModel):
    has_unread_chats: bool
    unread_chats: int
    last_event_id: int = Field(
        default=0, description="The account's last live event when this was counted: later events move it."
    )


class Operator(BaseModel):
    id: int
    name: str
    role: str


class ChatFilters(BaseModel):
    operators: list[Operator]
    tags: list[str]


class Assignment(InputSchema):
    user_id: int | None = Field(default=None, ge=1, le=2_147_483_647, description="No one when empty.")


class TypingState(BaseModel):
    """Whether the customer sees "typing…" now (false: read receipts are off or they never wrote)."""

    typing: bool


class Draft(BaseModel):
    """What the agent typed in the chat's reply box and did not send yet, spaces and lines as typed."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=4096)
