"""Webhook fixtures: an account with the samples' WhatsApp number connected, and signed posts."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import SHARED_DIR, make_tenant
from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.integrations import service as integrations_service
from sportello.kit.encryption import SecretBox
from sportello.messages.models import Direction, Message, MessageKind, SendStatus
from sportello.settings import Settings
from sportello.webhooks.flows import FLOWS
from sportello.webhooks.processor import process_pending
from sportello.whatsapp.signature import sign

SAMPLES = SHARED_DIR / "whatsapp-samples"
APP_SECRET = "sample-app-secret"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"


def sample_files() -> list[Path]:
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    return [SAMPLES / item["file"] for item in manifest]


@dataclass
class Business:
    account_id: int
    number_id: int
    # Every number the samples name, connected to this account: phone number id → our id.
    numbers: dict[str, int]


@pytest.fixture
async def business(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Business:
    tenant = await make_tenant(sessionmaker, "Shop")
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    # Meta's samples name one phone number under several WABAs; ours is under the WABA the
    # template samples name, as a template update applies only within the WABA that signed it.
    wanted = {i["phone_number_id"]: i["waba_id"] for i in manifest if "phone_number_id" in i} | {
        PHONE_NUMBER_ID: WABA_ID
    }
    numbers = {}
    async with unit_of_work(sessionmaker) as session:
        for phone_number_id, waba_id in wanted.items():
            number = await integrations_service.connect_whatsapp(
                session,
                box=SecretBox(settings.fernet_key),
                account_id=tenant.account_id,
                phone_number_id=phone_number_id,
                waba_id=waba_id,
                access_token="token",
                app_secret=APP_SECRET,
            )
            numbers[phone_number_id] = number.id
    return Business(account_id=tenant.account_id, number_id=numbers[PHONE_NUMBER_ID], numbers=numbers)


Post = Callable[[bytes], Awaitable[httpx.Response]]


@pytest.fixture
def post_signed(app_client: httpx.AsyncClient) -> Post:
    async def post(body: bytes) -> httpx.Response:
        return await app_client.post(
            "/webhooks/whatsapp",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
        )

    return post


@pytest.fixture
def process(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        total = 0
        while done := await process_pending(sessionmaker, FLOWS):
            total += done
        return total

    return run


def envelope(value: dict[str, Any], field: str = "messages") -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": field}]}],
        }
    ).encode()


async def store_outbound(
    session: AsyncSession,
    business: Business,
    *,
    contact: Contact,
    meta_id: str,
    text: str,
    send_status: SendStatus,
    chat_uuid: str = "c" * 32,
    message_uuid: str = "m" * 32,
) -> None:
    """A message the business sent to `contact` that Meta accepted as `meta_id`, in a chat of its own."""
    session.add(contact)
    await session.flush()
    chat = Chat(
        uuid=chat_uuid, account_id=business.account_id, contact_id=contact.id, whatsapp_number_id=business.number_id
    )
    session.add(chat)
    await session.flush()
    session.add(
        Message(
            uuid=message_uuid,
            account_id=business.account_id,
            chat_id=chat.id,
            whatsapp_number_id=business.number_id,
            direction=Direction.OUTBOUND,
            kind=MessageKind.MESSAGE,
            content_type="Text",
            text=text,
            meta_id=meta_id,
            send_status=send_status,
        )
    )
