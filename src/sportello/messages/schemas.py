"""The `Message` shape: the same in the REST API, the iframe events and integrator webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from sportello.kit.schemas import InputSchema
from sportello.messages.models import Direction, MessageKind, SendStatus

MESSAGE_SCHEMA_VERSION = 1


class MediaRead(BaseModel):
    uuid: str
    kind: str
    mime_type: str
    filename: str
    size: int | None
    status: str
    url: str = Field(description="Where a session that may see the chat downloads it.")


class QuotedMessage(BaseModel):
    """The message a reply answers or a reaction is for, as the chat shows it above the answer."""

    uuid: str
    direction: Direction
    content_type: str
    text: str


class MessageSender(BaseModel):
    """The team member who sent a message or wrote a note from Sportello."""

    id: int
    name: str


class MessageReferral(BaseModel):
    """The click-to-WhatsApp ad (or post) the customer tapped before writing, as Meta sent it;
    a field Meta left out is empty."""

    source_url: str = Field(default="", description="The ad's or post's address.")
    source_id: str = Field(default="", description="The ad's (or post's) id.")
    source_type: str = Field(default="", description="ad or post.")
    headline: str = ""
    body: str = ""
    media_type: str = Field(default="", description="image or video.")
    image_url: str = ""
    video_url: str = ""
    thumbnail_url: str = ""
    ctwa_clid: str = Field(default="", description="Meta's click id, for its Conversions API.")
    welcome_message: str = Field(default="", description="The ad's greeting text.")


class MessageReaction(BaseModel):
    """A reaction that stands on a message: the customer's last one (a removal takes it away)."""

    direction: Direction = Field(description="Inbound: the customer's.")
    emoji: str
    reacted_datetime: datetime | None


class MessageButton(BaseModel):
    """A button as the customer sees it under a message: a template's quick reply, link or call
    button (the link with its variable filled as sent), or an interactive message's reply button."""

    type: Literal["QUICK_REPLY", "URL", "PHONE_NUMBER"]
    text: str
    url: str = ""
    phone_number: str = ""


class MessageRead(BaseModel):
    uuid: str
    chat_uuid: str
    chat_link: str
    direction: Direction
    type: MessageKind
    content_type: str
    text: str
    content: dict[str, Any]
    send_status: SendStatus
    sent_datetime: datetime | None
    delivered_datetime: datetime | None
    read_datetime: datetime | None
    error_code: int | None
    send_error_message: str
    reply_to: str | None = Field(description="Meta's id of the message this one answers.")
    quoted: QuotedMessage | None = Field(
        default=None, description="The message this one answers (or reacts to), when it is in the chat."
    )
    sender: MessageSender | None = Field(
        default=None, description="Who of the team sent it (empty for the customer's and the API's messages)."
    )
    template: int | None
    mediamessage_set: list[MediaRead]
    created_datetime: datetime
    user_id: str = Field(
        default="",
        description="The customer's WhatsApp user id (BSUID) as Meta gave it with this message "
        "(inbound) or its status (outbound); empty when Meta gave none.",
    )
    username: str = Field(default="", description="The customer's WhatsApp username with this message, if any.")
    referral: MessageReferral | None = Field(
        default=None, description="The ad or post the customer came from, on the first message after tapping it."
    )
    reactions: list[MessageReaction] = Field(
        default=[], description="The reactions that stand on this message (a removed one is gone)."
    )
    buttons: list[MessageButton] = Field(default=[], description="The buttons the customer sees under this message.")


Text = Annotated[str, StringConstraints(max_length=4096)]


class Button(InputSchema):
    id: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=20)]


class ListRow(InputSchema):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=24)]
    description: Annotated[str, StringConstraints(max_length=72)] = ""


class ListSection(InputSchema):
    title: Annotated[str, StringConstraints(max_length=24)] = ""
    rows: Annotated[list[ListRow], Field(min_length=1, max_length=10)]


class ListContent(InputSchema):
    """WhatsApp's list message: a button that opens up to 10 rows in sections."""

    button: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    sections: Annotated[list[ListSection], Field(min_length=1, max_length=10)]
    header: Annotated[str, StringConstraints(max_length=60)] = ""
    footer: Annotated[str, StringConstraints(max_length=60)] = ""


class ReactionSend(InputSchema):
    """The agent's reaction to a customer's message: an empty `emoji` takes it away (Meta's removal)."""

    message: Annotated[str, StringConstraints(pattern="^[0-9a-f]{32}$")] = Field(
        description="The uuid of the chat's message reacted to."
    )
    emoji: Annotated[str, StringConstraints(max_length=16)] = ""


class MediaUploaded(BaseModel):
    uuid: str = Field(description="Send it with content_type Image, Document, Audio or Video and media=<uuid>.")
    kind: str
    mime_type: str
    size: int
    filename: str


class MessageSend(InputSchema):
    """Spoki's send: `type` Message (free text in the 24-hour window), Template, or Note."""

    chat_uuid: Annotated[str | None, StringConstraints(pattern="^[0-9a-f]{32}$")] = None
    phone: Annotated[str | None, StringConstraints(max_length=40)] = None
    type: Literal["Message", "Template", "Note"] = "Message"
    content_type: Literal["Text", "Interactive", "List", "Reaction", "Image", "Document", "Audio", "Video"] = "Text"
    text: Text = ""
    buttons: Annotated[list[Button], Field(max_length=3)] = []
    reaction: ReactionSend | None = None
    template: int | None = Field(default=None, ge=1, le=2_147_483_647)
    language: Annotated[str | None, StringConstraints(max_length=16)] = None
    custom_fields: dict[
        Annotated[str, StringConstraints(max_length=64)], Annotated[str, StringConstraints(max_length=1024)]
    ] = {}
    reply_to: Annotated[str | None, StringConstraints(pattern="^[0-9a-f]{32}$")] = None
    list_message: ListContent | None = None
    media: Annotated[str | None, StringConstraints(pattern="^[0-9a-f]{32}$")] = Field(
        default=None, description="The uuid of a file uploaded with POST /api/1/media/."
    )

    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {
            "examples": [
                {
                    "chat_uuid": "3f2c9a1be0d54c7f8a6b5c4d3e2f1a0b",
                    "type": "Message",
                    "content_type": "Text",
                    "text": "Buongiorno! La sua giacca è pronta.",
                },
                {
                    "phone": "+393331234567",
                    "type": "Template",
                    "template": 12,
                    "custom_fields": {"NAME": "Giulia", "ORDER": "A-1042"},
                },
                {"chat_uuid": "3f2c9a1be0d54c7f8a6b5c4d3e2f1a0b", "type": "Note", "text": "Called back, all fine."},
            ]
        },
    }


class WebSend(InputSchema):
    """The chat footer's send: a `MessageSend` to the page's own chat (quick-reply buttons and lists too)."""

    type: Literal["Message", "Template", "Note"] = "Message"
    content_type: Literal["Text", "Interactive", "List", "Reaction", "Image", "Document", "Audio", "Video"] = "Text"
    text: Text = ""
    buttons: Annotated[list[Button], Field(max_length=3)] = []
    list_message: ListContent | None = None
    reaction: ReactionSend | None = None
    template: int | None = Field(default=None, ge=1, le=2_147_483_647)
    custom_fields: dict[
        Annotated[str, StringConstraints(max_length=64)], Annotated[str, StringConstraints(max_length=1024)]
    ] = {}
    reply_to: Annotated[str | None, StringConstraints(pattern="^[0-9a-f]{32}$")] = None
    media: Annotated[str | None, StringConstraints(pattern="^[0-9a-f]{32}$")] = None


class NewChat(InputSchema):
    phone: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    template: int = Field(ge=1, le=2_147_483_647)
    custom_fields: dict[
        Annotated[str, StringConstraints(max_length=64)], Annotated[str, StringConstraints(max_length=1024)]
    ] = {}


class NewChatOpened(BaseModel):
    chat_uuid: str
