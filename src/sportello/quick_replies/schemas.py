"""What crosses the wire about quick replies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from sportello.kit.schemas import InputSchema
from sportello.quick_replies.models import TEXT_MAX, TITLE_MAX

Title = Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX)]
FIELDS_HELP = (
    "The text may name the contact's fields: {{first_name}}, {{last_name}}, {{name}}, {{phone}}, {{email}}; "
    "they are filled when an agent inserts it in a chat. Any other {{field}} stays as written."
)


class QuickReplyCreate(InputSchema):
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {
            "examples": [{"title": "Opening hours", "text": "Hi {{first_name}}, we are open 9:00-18:00, Mon-Sat."}]
        },
    }

    title: Title = Field(description="Unique in the account; what agents type after / to find it.")
    text: Text = Field(description=FIELDS_HELP)


class QuickReplyUpdate(InputSchema):
    model_config = {**InputSchema.model_config, "json_schema_extra": {"examples": [{"title": "Hours"}]}}

    title: Title | None = None
    text: Text | None = Field(default=None, description=FIELDS_HELP)


class QuickReplyRead(BaseModel):
    id: int
    title: str
    text: str = Field(description="As saved, with its {{fields}}.")
    created_datetime: datetime
    updated_datetime: datetime


class QuickReplyForChat(BaseModel):
    """A quick reply as the composer inserts it in one chat: its fields filled from the contact."""

    id: int
    title: str
    text: str
