"""A WhatsApp Business number connected to an account."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt


class WhatsAppNumber(CreatedAt, Base):
    __tablename__ = "whatsapp_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # Meta's ids: webhooks name the phone number id, templates live under the WABA id.
    phone_number_id: Mapped[str] = mapped_column(String(64), unique=True)
    waba_id: Mapped[str] = mapped_column(String(64), index=True)
    display_phone_number: Mapped[str | None] = mapped_column(String(32), default=None)
    # Fernet ciphertexts: a leaked database leaks no WhatsApp number.
    access_token_sealed: Mapped[str] = mapped_column(String(2000))
    app_secret_sealed: Mapped[str] = mapped_column(String(500))
