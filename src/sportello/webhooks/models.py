"""Raw webhook bodies, kept before anything reads them, so a crash or a parser bug loses nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt
from sportello.db.types import StrEnumType, UTCDateTime


class WebhookState(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"


class WebhookEvent(CreatedAt, Base):
    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[WebhookState] = mapped_column(
        StrEnumType(WebhookState, 16), default=WebhookState.RECEIVED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    phone_number_id: Mapped[str] = mapped_column(String(64), default="")
    # Our ids of the numbers whose app secret verified the signature (several when numbers share
    # one Meta app): an entry is applied only under a number among them, so an app's secret
    # cannot file anything under another app's numbers. `None`: stored before this was recorded.
    signed_by: Mapped[list[int] | None] = mapped_column(JSON, default=None)
