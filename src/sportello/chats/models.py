"""A chat: the conversation with one contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt, utcnow
from sportello.db.types import UTCDateTime
from sportello.realtime import service as live


class Chat(CreatedAt, Base):
    __tablename__ = "chats"
    __table_args__ = (
        # The chat list's order within the account (most recent activity first, then by id).
        Index("ix_chats_account_updated", "account_id", "updated_at", "id"),
        # The unread filter and the unread count every page asks for.
        Index("ix_chats_account_unread", "account_id", "unread_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 32 lowercase hex characters: what `chat_link` ends with.
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), unique=True)
    whatsapp_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("whatsapp_numbers.id", ondelete="SET NULL"), default=None
    )
    # When the customer last wrote: free text is allowed for 24 hours after it.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ChatDraft(Base):
    """What one user typed in one chat and has not sent yet. Kept on the server: a host's frame is
    often denied storage of its own (third-party storage), and the draft should follow the agent."""

    __tablename__ = "chat_drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@event.listens_for(Chat.unread_count, "set", active_history=True)
def _remember_unread(target: Chat, _value: Any, old: Any, _initiator: Any) -> None:
    # The chat's live event says whether it became unread or read: that needs the count before.
    live.remember_unread_before(target, old)
