"""A webhook is applied only under the numbers whose app secret signed it: an account with its own
Meta app and secret cannot file messages, move statuses or change templates in another account.
What is refused stays stored, is noted in the event and logged for the operator."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import make_tenant
from sportello.contacts.models import Contact
from sportello.db.unit_of_work import unit_of_work
from sportello.integrations import service as integrations_service
from sportello.kit.encryption import SecretBox
from sportello.messages.models import Direction, Message, SendStatus
from sportello.settings import Settings
from sportello.templates.models import Template, TemplateCategory, TemplateStatus
from sportello.webhooks.models import WebhookEvent, WebhookState
from sportello.whatsapp.signature import sign
from webhooks.conftest import APP_SECRET, PHONE_NUMBER_ID, WABA_ID, Business, store_outbound

Process = Callable[[], Awaitable[int]]
RIVAL_SECRET = "rival-app-secret"
RIVAL_PHONE_NUMBER_ID = "200000000000001"
RIVAL_WABA_ID = "200000000000009"
A_TEMPLATE_ID = "1689556908129832"


@dataclass
class Rival:
    account_id: int
    number_id: int


@pytest.fixture
async def rival(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], business: Business) -> Rival:
    """Account B: its own number, under its own WABA, with its own Meta app's secret."""
    tenant = await make_tenant(sessionmaker, "Rival")
    async with unit_of_work(sessionmaker) as session:
        number = await integrations_service.connect_whatsapp(
            session,
            box=SecretBox(settings.fernet_key),
            account_id=tenant.account_id,
            phone_number_id=RIVAL_PHONE_NUMBER_ID,
            waba_id=RIVAL_WABA_ID,
            access_token="rival-token",
            app_secret=RIVAL_SECRET,
        )
    return Rival(account_id=tenant.account_id, number_id=number.id)


async def _a_outbound_and_template(sessionmaker: async_sessionmaker[AsyncSession], business: Business) -> None:
    """Account A's message Meta accepted (`wamid.A-OUT`) and A's approved template."""
    async with unit_of_work(sessionmaker) as session:
        await store_outbound(
            session,
            business,
            contact=Contact(account_id=business.account_id, phone="+16505551234"),
            meta_id="wamid.A-OUT",
            text="Your order is ready",
            send_status=SendStatus.SENT,
        )
        session.add(
            Template(
                account_id=business.account_id,
                name="order_confirmation",
                language="en_US",
                category=TemplateCategory.UTILITY,
                status=TemplateStatus.APPROVED,
                meta_template_id=A_TEMPLATE_ID,
                waba_id=WABA_ID,
            )
        )


def _messages_entry(waba_id: str, phone_number_id: str, sender: str, text: str, statuses: list[Any]) -> dict[str, Any]:
    return {
        "id": waba_id,
        "changes": [
            {
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
                    "contacts": [{"profile": {"name": "Mallory"}, "wa_id": sender}],
                    "messages": [
                        {
                            "from": sender,
                            "id": f"wamid.IN-{phone_number_id}-{sender}",
                            "timestamp": "1750000000",
                            "type": "text",
                            "text": {"body": text},
                        }
                    ],
                    "statuses": statuses,
                },
            }
        ],
    }


def _a_entries() -> list[dict[str, Any]]:
    """What names account A: a message to A's number, a status of A's message, A's template."""
    read = {"id": "wamid.A-OUT", "status": "read", "timestamp": "1750000001", "recipient_id": "16505551234"}
    return [
        _messages_entry(WABA_ID, PHONE_NUMBER_ID, "393330000001", "Click here: http://evil.example", [read]),
        {
            "id": WABA_ID,
            "changes": [
                {
                    "field": "message_template_status_update",
                    "value": {
                        "event": "DISABLED",
                        "message_template_id": int(A_TEMPLATE_ID),
                        "message_template_name": "order_confirmation",
                        "message_template_language": "en_US",
                        "reason": "NONE",
                    },
                }
            ],
        },
    ]


def _body(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": entries}).encode()


async def _post(client: httpx.AsyncClient, body: bytes, secret: str) -> httpx.Response:
    return await client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)},
    )


async def _what_a_has(sessionmaker: async_sessionmaker[AsyncSession], business: Business) -> dict[str, object]:
    async with unit_of_work(sessionmaker) as session:
        inbound = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.account_id == business.account_id, Message.direction == Direction.INBOUND)
        )
        contacts = await session.scalars(select(Contact.phone).where(Contact.account_id == business.account_id))
        outbound = await session.scalar(select(Message).where(Message.meta_id == "wamid.A-OUT"))
        template = await session.scalar(select(Template).where(Template.account_id == business.account_id))
        assert outbound is not None and template is not None
        return {
            "inbound": inbound,
            "contacts": sorted(contacts.all()),
            "outbound": outbound.send_status,
            "template": template.status,
        }


async def test_another_apps_secret_changes_nothing_in_an_account_and_its_own_webhooks_still_apply(
    business: Business,
    rival: Rival,
    app_client: httpx.AsyncClient,
    process: Process,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _a_outbound_and_template(sessionmaker, business)
    before = await _what_a_has(sessionmaker, business)
    assert before == {
        "inbound": 0,
        "contacts": ["+16505551234"],
        "outbound": SendStatus.SENT,
        "template": TemplateStatus.APPROVED,
    }

    # B signs, with B's own secret, a body naming A's number and WABA, and one entry of its own.
    rivals_own = _messages_entry(RIVAL_WABA_ID, RIVAL_PHONE_NUMBER_ID, "393330000002", "Hello B", [])
    forged = _body([*_a_entries(), rivals_own])
    with caplog.at_level(logging.WARNING, logger="sportello.webhooks"):
        answer = await _post(app_client, forged, RIVAL_SECRET)
        assert answer.status_code == 200 and answer.json() == {"status": "received"}
        await process()

    assert await _what_a_has(sessionmaker, business) == before, "nothing was created or changed in A"
    async with unit_of_work(sessionmaker) as session:
        event = await session.scalar(select(WebhookEvent))
        assert event is not None and event.body == forged, "the body stays stored as received"
        assert event.signed_by == [rival.number_id]
        assert event.state is WebhookState.PROCESSED
        assert f"phone_number_id {PHONE_NUMBER_ID} (2 changes)" in event.error
        assert f"WABA {WABA_ID} (1 change)" in event.error
        event_id = event.id
        rivals_messages = (await session.scalars(select(Message).where(Message.account_id == rival.account_id))).all()
        assert [m.text for m in rivals_messages] == ["Hello B"], "B's own entry in the same body is applied"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "sportello.webhooks"]
    assert len(warnings) == 1
    said = warnings[0].getMessage()
    assert str(event_id) in said and PHONE_NUMBER_ID in said and WABA_ID in said

    # A's own webhooks, signed with A's secret, still apply.
    genuine = _body(_a_entries())
    assert (await _post(app_client, genuine, APP_SECRET)).status_code == 200
    await process()
    after = await _what_a_has(sessionmaker, business)
    assert after == {
        "inbound": 1,
        "contacts": ["+16505551234", "+393330000001"],
        "outbound": SendStatus.READ,
        "template": TemplateStatus.DISABLED,
    }
    async with unit_of_work(sessionmaker) as session:
        event = await session.scalar(select(WebhookEvent).order_by(WebhookEvent.id.desc()))
        assert event is not None and event.state is WebhookState.PROCESSED and event.error == ""
        assert event.signed_by == sorted(business.numbers.values()), "every number of A's app signed it"


async def test_a_body_signed_by_no_known_secret_is_refused(
    business: Business, rival: Rival, app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    answer = await _post(app_client, _body(_a_entries()), "nobody-s-secret")
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_signature"
    async with unit_of_work(sessionmaker) as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


async def test_a_changed_app_secret_is_the_one_checked_on_the_next_webhook(
    business: Business,
    rival: Rival,
    settings: Settings,
    app_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    body = _body([_messages_entry(RIVAL_WABA_ID, RIVAL_PHONE_NUMBER_ID, "393330000002", "Hi", [])])
    assert (await _post(app_client, body, RIVAL_SECRET)).status_code == 200
    async with unit_of_work(sessionmaker) as session:
        await integrations_service.connect_whatsapp(
            session,
            box=SecretBox(settings.fernet_key),
            account_id=rival.account_id,
            phone_number_id=RIVAL_PHONE_NUMBER_ID,
            waba_id=RIVAL_WABA_ID,
            access_token="rival-token",
            app_secret="rival-app-secret-rotated",
        )
    assert (await _post(app_client, body, RIVAL_SECRET)).status_code == 401
    assert (await _post(app_client, body, "rival-app-secret-rotated")).status_code == 200
