"""Messages and media. Outbound messages are also the send queue: a sender claims `Pending` rows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt
from sportello.db.types import StrEnumType, UTCDateTime


class Direction(StrEnum):
    INBOUND = "Inbound"
    OUTBOUND = "Outbound"


class MessageKind(StrEnum):
    """Spoki's `type` of a send: a free message, a template, or an internal note."""

    MESSAGE = "Message"
    TEMPLATE = "Template"
    NOTE = "Note"


class SendStatus(StrEnum):
    PENDING = "Pending"
    SENT = "Sent"
    DELIVERED = "Delivered"
    READ = "Read"
    ERROR = "Error"
    RECEIVED = "Received"  # inbound


class Message(CreatedAt, Base):
    __tablename__ = "messages"
    __table_args__ = (
        # Redelivered webhooks are harmless: Meta's id is stored once per number.
        UniqueConstraint("whatsapp_number_id", "meta_id", name="uq_messages_number_meta_id"),
        Index("ix_messages_chat_id_id", "chat_id", "id"),
        Index("ix_messages_outbound_queue", "send_status", "next_attempt_at"),
        # The head of each chat's queue: is an earlier message of this chat still pending?
        Index("ix_messages_chat_status_id", "chat_id", "send_status", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Given by Sportello, unique: what lets a batch of new messages be one INSERT … RETURNING on
    # SQLite (whose returned rows SQLAlchemy matches to the objects by this column).
    uuid: Mapped[str] = mapped_column(String(32), unique=True, insert_sentinel=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    whatsapp_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("whatsapp_numbers.id", ondelete="SET NULL"), default=None
    )
    direction: Mapped[Direction] = mapped_column(StrEnumType(Direction, 16))
    kind: Mapped[MessageKind] = mapped_column(StrEnumType(MessageKind, 16), default=MessageKind.MESSAGE)
    # Text, Image, Document, Audio, Video, Sticker, Location, Contacts, Interactive, List,
    # Button, Reaction, System, Unsupported, Template.
    content_type: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    # What the content type carries beyond text (media, location, buttons, raw JSON …).
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    meta_id: Mapped[str | None] = mapped_column(String(128), default=None)
    reply_to_meta_id: Mapped[str | None] = mapped_column(String(128), default=None)
    template_id: Mapped[int | None] = mapped_column(Integer, default=None)
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    send_status: Mapped[SendStatus] = mapped_column(StrEnumType(SendStatus, 16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error_message: Mapped[str] = mapped_column(Text, default="")
    # The outbound queue.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set when an attempt starts, cleared when Meta's answer is stored. Still set at the next
    # claim means the attempt ended without an answer (a crash, a timeout): Meta may have the
    # message, so the sender waits for its status webhook before sending again.
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class MediaStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Media(CreatedAt, Base):
    """A file of a message, kept in the data folder; served only to sessions that may see the chat."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), default=None, index=True
    )
    meta_media_id: Mapped[str | None] = mapped_column(String(128), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int | None] = mapped_column(Integer, default=None)
    storage_path: Mapped[str | None] = mapped_column(String(500), default=None)
    status: Mapped[MediaStatus] = mapped_column(StrEnumType(MediaStatus, 16), default=MediaStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error: Mapped[str] = mapped_column(Text, default="")
