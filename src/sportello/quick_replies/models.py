"""A saved answer of one account: a title to find it by, and the text it inserts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt, utcnow
from sportello.db.types import UTCDateTime

TITLE_MAX = 60
TEXT_MAX = 4096  # what one WhatsApp text message may carry


class QuickReply(CreatedAt, Base):
    __tablename__ = "quick_replies"
    __table_args__ = (UniqueConstraint("account_id", "title", name="uq_quick_replies_account_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
