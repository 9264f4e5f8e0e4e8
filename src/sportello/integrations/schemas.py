"""What crosses the wire about integrations."""

from __future__ import annotations

from datetime import datetime

from sportello.kit.schemas import OutputSchema


class WhatsAppNumberRead(OutputSchema):
    id: int
    account_id: int
    phone_number_id: str
    waba_id: str
    display_phone_number: str | None
    created_at: datetime
