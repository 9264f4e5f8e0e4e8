"""The live event as a page's socket receives it (`schemas/live-event.v1.json`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sportello.conversations.chat_schemas import ChatRead
from sportello.messages.schemas import MessageRead
from sportello.payments.schemas import PaymentRequestRead
from sportello.realtime.kinds import LiveEventKind
from sportello.templates.schemas import TemplateRead

LIVE_EVENT_SCHEMA_VERSION = 1


class RemovedChat(BaseModel):
    """`chat_removed`: the chat this listener may no longer see."""

    uuid: str


class DeletedTemplate(BaseModel):
    """`template` of a template deleted: the page drops it."""

    id: int
    deleted: bool = True


class LiveEventRead(BaseModel):
    """One change, numbered per account (`id`: 1, 2, 3… in commit order). A page that reconnects
    says the last `id` it has and is sent what came after it."""

    id: int = Field(ge=1)
    kind: LiveEventKind
    # The chat the event is about ("" for none: a template, many chats at once).
    chat_uuid: str
    # What changed inside it: a message uuid, a template id, a payment request's id.
    ref: str
    # The change in the shape the reads give it; absent for `chats` (many chats: lists ask again).
    data: MessageRead | ChatRead | RemovedChat | TemplateRead | DeletedTemplate | PaymentRequestRead | None = None
    # `chat` only: +1 the chat became unread, -1 it became read, 0 neither.
    unread_delta: int | None = Field(default=None, ge=-1, le=1)
