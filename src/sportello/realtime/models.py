"""The live event log. Each row is one event as listeners receive it (`body`, the change itself,
rendered once), numbered per account in commit order, so a page that reconnects asks for what it
missed after the last number it saw and gets it in one answer."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt


class LiveEvent(CreatedAt, Base):
    __tablename__ = "live_events"
    # The pruner deletes by age.
    __table_args__ = (Index("ix_live_events_created_at", "created_at"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    # 1, 2, 3… per account, handed out as the transaction commits: never a gap a reader could skip.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Set for events of one chat: who may hear of it is decided from these.
    chat_uuid: Mapped[str] = mapped_column(String(32), default="")
    # The chat's assigned operators (",3,7,"), and those who just lost it (they hear `chat_removed`).
    operators: Mapped[str] = mapped_column(String(400), default="")
    lost_by: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text)


class LiveCursor(Base):
    """The last event number of an account: taken last in a transaction, so numbers follow commits."""

    __tablename__ = "live_cursors"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
