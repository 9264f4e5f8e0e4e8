"""The live event log. Each row says "this changed" (a chat, a message, a template); pages fetch
what they show again. Rows are numbered, so a client that reconnects asks for what it missed."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt


class LiveEvent(CreatedAt, Base):
    __tablename__ = "live_events"
    __table_args__ = (Index("ix_live_events_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # `message`, `chat`, `chats` (many chats at once), `template`.
    kind: Mapped[str] = mapped_column(String(16))
    # Set for chat events: a Chat Operator hears only of the chats assigned to them.
    contact_id: Mapped[int | None] = mapped_column(Integer, default=None)
    chat_uuid: Mapped[str] = mapped_column(String(32), default="")
    # What changed inside the chat or account: a message uuid, a template id.
    ref: Mapped[str] = mapped_column(String(64), default="")
