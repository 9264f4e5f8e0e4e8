"""An account's PayPal settings and the payment requests its agents send."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt, utcnow
from sportello.db.types import UTCDateTime


class PaypalSettings(CreatedAt, Base):
    __tablename__ = "paypal_settings"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    # The PayPal account that receives the payments.
    email: Mapped[str] = mapped_column(String(254))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    default_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PaymentRequest(CreatedAt, Base):
    __tablename__ = "payment_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The short link's id: 128 random bits, so links cannot be guessed or walked.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), default=None)
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    template_id: Mapped[int | None] = mapped_column(Integer, default=None)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(127), default="")
    # Who is paid, as it was when the request was sent: changing the settings later does not
    # redirect a customer's payment to another account.
    receiver_email: Mapped[str] = mapped_column(String(254))
    opened_count: Mapped[int] = mapped_column(Integer, default=0)
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
