"""Accounts, users and login sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt
from sportello.db.types import StrEnumType, UTCDateTime


class Role(StrEnum):
    OWNER = "Owner"
    ADMINISTRATOR = "Administrator"
    CHAT_MANAGER = "Chat Manager"
    CHAT_OPERATOR = "Chat Operator"


class UserType(StrEnum):
    STANDARD = "standard"
    SERVICE = "service"


class Account(CreatedAt, Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="en")
    # Blue ticks for the customer when an agent reads their chat, and "typing…" while one answers.
    send_read_receipts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class User(CreatedAt, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # Unique across the installation: the login form and the token handshake find a user by email.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    user_type: Mapped[UserType] = mapped_column(StrEnumType(UserType, 16), default=UserType.STANDARD)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    language: Mapped[str] = mapped_column(String(2), default="en")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    private_key_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    # Bumped on every new private key: tokens and frame sessions minted under an older
    # generation stop working at once.
    private_key_generation: Mapped[int] = mapped_column(Integer, default=0)
    # A sound and a desktop notification for each new customer message, in the full web app.
    notify_new_messages: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LoginSession(CreatedAt, Base):
    """A signed-in browser of the full web app (cookie); the id is stored only as a digest."""

    __tablename__ = "login_sessions"

    id_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
