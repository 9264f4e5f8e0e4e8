"""What crosses the wire about integrations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from sportello.kit.schemas import InputSchema, OutputSchema

Secret = Annotated[str, StringConstraints(max_length=1000)]


class WhatsAppNumberRead(OutputSchema):
    id: int
    account_id: int
    phone_number_id: str
    waba_id: str
    display_phone_number: str | None
    created_at: datetime


class ConnectedNumber(BaseModel):
    """A connected number as the Integrations page shows it: ids only, never its secrets."""

    phone_number_id: str
    waba_id: str
    display_phone_number: str | None


class WhatsAppSetup(BaseModel):
    connected: bool
    can_connect: bool = Field(description="Whether this person may connect a number (Owner, Administrator).")
    numbers: list[ConnectedNumber]
    webhook_url: str = Field(description="Where Meta sends this Sportello's webhooks: the Callback URL.")
    verify_token: str | None = Field(description="Meta's Verify token; only to those who may connect; None if unset.")


class WhatsAppConnect(InputSchema):
    phone_number_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    waba_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    access_token: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    app_secret: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class WhatsAppTest(InputSchema):
    phone_number_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    access_token: Secret = Field(default="", description="Empty: the token kept for this number.")


class PhoneNumberCheck(BaseModel):
    phone_number_id: str
    verified_name: str
    display_phone_number: str
    quality_rating: str
