"""API keys, single-use handshake tokens and frame sessions. Every secret is stored as a digest."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt
from sportello.db.types import StrEnumType, UTCDateTime


class ApiKeyStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


class ApiKey(CreatedAt, Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # The requester's email at request time: the outcome reaches them even if the user is removed.
    requester_email: Mapped[str] = mapped_column(String(254))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so people can tell their keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    motivation: Mapped[str] = mapped_column(Text)
    status: Mapped[ApiKeyStatus] = mapped_column(StrEnumType(ApiKeyStatus, 16), default=ApiKeyStatus.PENDING)
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AuthToken(CreatedAt, Base):
    """What the handshake answers: short-lived, used once to open a frame session."""

    __tablename__ = "auth_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    key_generation: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The ceiling the host's backend bound when minting (None: not bound). The iframe's address
    # can only narrow it, so a user who copies that address cannot widen what the frame may do.
    max_can_view_chat_list: Mapped[bool | None] = mapped_column(Boolean, default=None)
    max_can_reply_in_chat: Mapped[bool | None] = mapped_column(Boolean, default=None)
    max_can_send_paypal_in_chat: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # A token minted for one chat opens only that chat's page, and its session only that chat.
    chat_uuid: Mapped[str | None] = mapped_column(String(32), default=None)


class FrameSession(CreatedAt, Base):
    """The session of one embedded iframe: carried as a bearer header, never as a cookie."""

    __tablename__ = "frame_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Not a secret: it names the frame in its address after the token is gone, so a reload finds
    # the frame's session in its storage and the server can answer the key's `frame-ancestors`.
    public_id: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    key_generation: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2), default="en")
    # The guide's toggles, bound when the token is exchanged and checked by the server.
    can_view_chat_list: Mapped[bool] = mapped_column(Boolean, default=True)
    can_reply_in_chat: Mapped[bool] = mapped_column(Boolean, default=True)
    can_send_paypal_in_chat: Mapped[bool] = mapped_column(Boolean, default=True)
    # The page the token was exchanged on (`chats`, `chat`, `templates`) and, for `chat`, its
    # chat: what the session may reach is what that page may do (`credentials.scope`).
    page: Mapped[str] = mapped_column(String(16), default="chats", server_default="chats")
    chat_uuid: Mapped[str | None] = mapped_column(String(32), default=None)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
