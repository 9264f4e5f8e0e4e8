"""What crosses the wire about PayPal: the settings, a request to send, a sent request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from sportello.kit.schemas import InputSchema


class PaypalSettingsIn(InputSchema):
    email: EmailStr = Field(description="The PayPal account that receives the payments.")
    default_currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] = "EUR"


class Currency(BaseModel):
    code: str
    decimals: int


class PaypalSettingsOut(BaseModel):
    enabled: bool
    email: str
    default_currency: str
    currencies: list[Currency] = Field(description="What PayPal accepts, the account's default first.")
    default_templates: list[int] = Field(description="The ids of the payment templates made when it was enabled.")
    notice: str = ""


class PaymentRequestIn(InputSchema):
    template: int = Field(ge=1, le=2_147_483_647, description="An approved payment template's id.")
    amount: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(examples=["12.50"])
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] = Field(examples=["EUR"])
    description: Annotated[str, StringConstraints(max_length=127)] = ""


class PaymentRequestRead(BaseModel):
    id: str = Field(description="The short link's id.")
    link: str
    chat_uuid: str
    message_uuid: str | None
    amount: str = Field(description="A decimal string with the currency's decimals, e.g. 12.50.")
    currency: str
    description: str
    sender: str | None = Field(description="Who sent it (a user's name).")
    opened_count: int
    first_opened_datetime: datetime | None
    last_opened_datetime: datetime | None
    created_datetime: datetime
