"""Contacts, their tags and lists, and the operators they are assigned to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt, utcnow
from sportello.db.types import UTCDateTime


class Contact(CreatedAt, Base):
    """A customer, known by their phone, their business-scoped user id (BSUID) or both: a
    WhatsApp user with a username may write without Meta telling their phone (M-BSUID,
    https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
    Each is unique in the account (NULLs are not), so the same person is never two chats."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("account_id", "phone", name="uq_contacts_account_phone"),
        UniqueConstraint("account_id", "whatsapp_user_id", name="uq_contacts_account_whatsapp_user_id"),
        Index("ix_contacts_account_username", "account_id", "username"),
        # The list's order within the account (newest first). Search is through contacts_fts on
        # SQLite and trigram indexes on PostgreSQL: migration 0019, dialect-specific.
        Index("ix_contacts_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # E.164, with the +; None for a username user whose phone Meta did not share.
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    # Meta's `user_id`: a country code, a dot, up to 128 alphanumerics (`US.13491208655302741918`);
    # scoped to the business portfolio, and new when the user changes their phone (M-BSUID).
    whatsapp_user_id: Mapped[str | None] = mapped_column(String(140), default=None)
    parent_user_id: Mapped[str] = mapped_column(String(140), default="")
    # The username the person chose in WhatsApp (`contacts[].profile.username`): shown, never a key.
    username: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    # The name the person set in WhatsApp, as Meta reports it.
    profile_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the agents want to remember about the customer; inside Sportello only (the web app's panel).
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Tag(CreatedAt, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_tags_account_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class ContactTag(Base):
    __tablename__ = "contact_tags"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class ContactOperator(CreatedAt, Base):
    """An operator assigned to a contact (and so to its chat): Spoki's `role_set`."""

    __tablename__ = "contact_operators"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
