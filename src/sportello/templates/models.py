"""A message template in one language (Meta reviews each name + language on its own)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt, utcnow
from sportello.db.types import StrEnumType, UTCDateTime


class TemplateStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAUSED = "paused"
    DISABLED = "disabled"


class TemplateCategory(StrEnum):
    MARKETING = "MARKETING"
    UTILITY = "UTILITY"
    AUTHENTICATION = "AUTHENTICATION"


class ParameterFormat(StrEnum):
    """How Meta names a template's variables: `{{1}}` numbered per component, or `{{order_id}}`."""

    POSITIONAL = "POSITIONAL"
    NAMED = "NAMED"


class Template(CreatedAt, Base):
    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("account_id", "name", "language", name="uq_templates_account_name_language"),
        Index("ix_templates_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[TemplateCategory] = mapped_column(StrEnumType(TemplateCategory, 20))
    subcategory: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[TemplateStatus] = mapped_column(StrEnumType(TemplateStatus, 16), default=TemplateStatus.DRAFT)
    # Sportello's own form: header, body, footer, buttons, with %%CODE%% placeholders and examples.
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    # Fixed once Meta has the template: an approved template is sent in the format it was reviewed in.
    parameter_format: Mapped[ParameterFormat] = mapped_column(
        StrEnumType(ParameterFormat, 16), default=ParameterFormat.POSITIONAL, server_default="POSITIONAL"
    )
    # Meta's reason code (INVALID_FORMAT, TAG_CONTENT_MISMATCH…), which the page says in the
    # agent's language, and Meta's own recommendation (`rejection_info`, INVALID_FORMAT only).
    rejection_code: Mapped[str] = mapped_column(String(64), default="")
    rejection_recommendation: Mapped[str] = mapped_column(Text, default="")
    meta_template_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    waba_id: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
