"""The operator's signed-in browsers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from sportello.db.base import Base, CreatedAt
from sportello.db.types import UTCDateTime


class OperatorSession(CreatedAt, Base):
    """One operator sign-in. Stored so that signing out ends it on the server: a copy of the
    cookie stops working with the row. The cookie is kept only as a digest keyed with the
    operator's credentials, so changing them signs every operator out."""

    __tablename__ = "operator_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
