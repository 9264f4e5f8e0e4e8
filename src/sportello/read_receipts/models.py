"""Per chat, what Sportello has asked Meta to show the customer: the newest of their messages
marked read, and a call still waiting for the background sender."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base
from sportello.db.types import UTCDateTime


class ReadReceipt(Base):
    __tablename__ = "read_receipts"

    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # The newest inbound message asked to be marked read: an open that finds nothing newer makes
    # no call. Not a foreign key, so a deleted message does not lower the mark.
    message_id: Mapped[int] = mapped_column(BigInteger)
    meta_id: Mapped[str] = mapped_column(String(128))
    whatsapp_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("whatsapp_numbers.id", ondelete="SET NULL"), default=None
    )
    # When an agent last asked for "typing…": the call carries the indicator only while it is fresh.
    typing_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set while a call to Meta waits (or is claimed by a sender until then); NULL once done.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every request for a call: a sender that finishes clears the call only if no new
    # request came in while it spoke to Meta.
    requested: Mapped[int] = mapped_column(Integer, default=0)
