"""Meta's webhooks: signed bodies are stored first and answered 200; every sample is understood;
redelivery stores once; statuses only move forward; nothing Meta signed is ever lost."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User
from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.credentials.service import api_keys
from sportello.db.unit_of_work import unit_of_work
from sportello.messages.models import Direction, Media, Message, MessageKind, SendStatus
from sportello.settings import Settings
from sportello.templates.models import Template, TemplateCategory, TemplateStatus
from sportello.webhooks.models import WebhookEvent, WebhookState
from sportello.whatsapp.signature import sign
from webhooks.conftest import APP_SECRET, PHONE_NUMBER_ID, Business, Post, envelope, sample_files

Process = Callable[[], Awaitable[int]]


async def _count(sessionmaker: async_sessionmaker[AsyncSession], model: type, *where: object) -> int:
    async with unit_of_work(sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _outbound(
    sessionmaker: async_sessionmaker[AsyncSession],
    business: Business,
    meta_id: str,
    status: SendStatus = SendStatus.SENT,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> int:
    """An outbound message as the sender leaves it after Meta accepted it."""
    async with unit_of_work(sessionmaker) as session:
        contact = Contact(account_id=business.account_id, phone="+16505551234")
        session.add(contact)
        await session.flush()
        chat = Chat(
            uuid="c" * 32,
            account_id=business.account_id,
            contact_id=contact.id,
            whatsapp_number_id=business.numbers[phone_number_id],
        )
        session.add(chat)
        await session.flush()
        message = Message(
            uuid="m" * 32,
            account_id=business.account_id,
            chat_id=chat.id,
            whatsapp_number_id=business.numbers[phone_number_id],
            direction=Direction.OUTBOUND,
            kind=MessageKind.MESSAGE,
            content_type="Text",
            text="Hi",
            meta_id=meta_id,
            send_status=status,
        )
        session.add(message)
        await session.flush()
        return message.id


@pytest.mark.parametrize("sample", sample_files(), ids=lambda p: p.name)
async def test_every_sample_is_stored_understood_and_stored_once(
    sample: Path,
    business: Business,
    post_signed: Post,
    process: Process,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    data = json.loads(sample.read_text())
    kind = json.loads((sample.parent / "manifest.json").read_text())
    item = next(i for i in kind if i["file"] == sample.name)
    if item["kind"] == "status":
        await _outbound(
            sessionmaker, business, item["wamid"], phone_number_id=item.get("phone_number_id", PHONE_NUMBER_ID)
        )
    if item["kind"] == "template_status":
        value = data["entry"][0]["changes"][0]["value"]
        async with unit_of_work(sessionmaker) as session:
            session.add(
                Template(
                    account_id=business.account_id,
                    name=value["message_template_name"],
                    language="en_US",
                    category=TemplateCategory.UTILITY,
                    status=TemplateStatus.PENDING,
                    meta_template_id=str(value["message_template_id"]),
                )
            )
    body = sample.read_bytes()
    for _ in range(2):
        answer = await post_signed(body)
        assert answer.status_code == 200 and answer.json() == {"status": "received"}
        await process()
    assert await _count(sessionmaker, WebhookEvent) == 2
    assert await _count(sessionmaker, WebhookEvent, WebhookEvent.state == WebhookState.PROCESSED) == 2

    async with unit_of_work(sessionmaker) as session:
        if item["kind"] == "inbound_message":
            messages = (await session.scalars(select(Message))).all()
            assert len(messages) == 1
            message = messages[0]
            assert message.meta_id == item["wamid"] and message.direction is Direction.INBOUND
            assert message.content_type != "Unsupported"
            contact = await session.scalar(select(Contact))
            assert contact is not None and contact.phone == "+" + item["from"]
            assert contact.profile_name == item["profile_name"]
            chat = await session.scalar(select(Chat))
            assert chat is not None and chat.last_inbound_at == datetime.fromtimestamp(int(item["timestamp"]), UTC)
            if item["type"] in {"image", "document", "audio", "video"}:
                assert await session.scalar(select(func.count()).select_from(Media)) == 1
        elif item["kind"] == "status":
            message = await session.scalar(select(Message))
            assert message is not None
            expected = {
                "sent": SendStatus.SENT,
                "delivered": SendStatus.DELIVERED,
                "read": SendStatus.READ,
                "failed": SendStatus.ERROR,
            }[data["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]]
            assert message.send_status is expected
            if expected is SendStatus.ERROR:
                assert message.error_code == 131049 and message.error_message
        else:
            template = await session.scalar(select(Template))
            assert template is not None and template.status is TemplateStatus.APPROVED


async def test_bad_or_missing_signature_is_refused_and_nothing_is_stored(
    business: Business, app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = sample_files()[0].read_bytes()
    for headers in (
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": sign(body, "other")},
        {"X-Hub-Signature-256": sign(body + b" ", APP_SECRET)},
    ):
        answer = await app_client.post("/webhooks/whatsapp", content=body, headers=headers)
        assert answer.status_code == 401 and answer.json()["code"] == "invalid_signature"
    assert await _count(sessionmaker, WebhookEvent) == 0


async def test_statuses_only_move_forward(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _outbound(sessionmaker, business, "wamid.X")

    def status(name: str, ts: int, **extra: object) -> bytes:
        return envelope(
            {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                "statuses": [
                    {"id": "wamid.X", "status": name, "timestamp": str(ts), "recipient_id": "16505551234", **extra}
                ],
            }
        )

    for name, ts in (("read", 1003), ("delivered", 1002), ("sent", 1001)):
        await post_signed(status(name, ts))
    await post_signed(status("failed", 1004, errors=[{"code": 131026, "title": "Undeliverable"}]))
    await process()
    async with unit_of_work(sessionmaker) as session:
        message = await session.scalar(select(Message))
        assert message is not None
        assert message.send_status is SendStatus.READ
        assert message.read_at == datetime.fromtimestamp(1003, UTC)
        assert message.error_code is None


async def test_a_status_before_its_message_waits_then_applies(
    business: Business, post_signed: Post, process: Process, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [
                {"id": "wamid.LATE", "status": "delivered", "timestamp": "1700000000", "recipient_id": "16505551234"}
            ],
        }
    )
    await post_signed(body)
    await process()
    async with unit_of_work(sessionmaker) as session:
        event = await session.scalar(select(WebhookEvent))
        assert event is not None and event.state is WebhookState.RECEIVED and "not stored yet" in event.error
        event.claimed_until = None  # its backoff is over
    await _outbound(sessionmaker, business, "wamid.LATE")
    await process()
    async with unit_of_work(sessionmaker) as session:
        message = await session.scalar(select(Message))
        assert message is not None and message.send_status is SendStatus.DELIVERED


async def test_meta_verifies_the_webhook_url(app_client: httpx.AsyncClient) -> None:
    from pydantic import SecretStr

    app_client.app.state.settings.webhook_verify_token = SecretStr("verify-me")  # type: ignore[attr-defined]
    ok = await app_client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await app_client.get(
        "/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "verify_token_mismatch"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
message_like = st.fixed_dictionaries(
    {"object": st.just("whatsapp_business_account")},
    optional={
        "entry": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": json_values,
                    "changes": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "field": st.sampled_from(["messages", "message_template_status_update", "other"])
                                | json_values,
                                "value": st.fixed_dictionaries(
                                    {},
                                    optional={
                                        "metadata": st.fixed_dictionaries(
                                            {}, optional={"phone_number_id": st.just(PHONE_NUMBER_ID) | json_values}
                                        ),
                                        "contacts": json_values,
                                        "messages": st.lists(
                                            json_values
                                            | st.fixed_dictionaries(
                                                {},
                                                optional={
                                                    "from": json_values,
                                                    "id": json_values,
                                                    "timestamp": json_values,
                                                    "type": json_values,
                                                    "text": json_values,
                                                    "image": json_values,
                                                    "interactive": json_values,
                                                },
                                            ),
                                            max_size=3,
                                        ),
                                        "statuses": json_values,
                                        "event": json_values,
                                        "message_template_id": json_values,
                                    },
                                )
                                | json_values,
                            },
                        )
                        | json_values,
                        max_size=3,
                    ),
                },
            )
            | json_values,
            max_size=3,
        )
    },
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(json_values, message_like), raw=st.binary(max_size=100))
async def test_generated_bodies_never_cause_a_500_and_are_never_lost(
    business: Business,
    post_signed: Post,
    process: Process,
    sessionmaker: async_sessionmaker[AsyncSession],
    body: object,
    raw: bytes,
) -> None:
    before = await _count(sessionmaker, WebhookEvent)
    for content in (json.dumps(body).encode(), raw):
        answer = await post_signed(content)
        assert answer.status_code == 200, answer.text
    await process()
    assert await _count(sessionmaker, WebhookEvent) == before + 2
    assert await _count(sessionmaker, WebhookEvent, WebhookEvent.state == WebhookState.RECEIVED) == 0


async def test_lone_surrogates_and_nul_are_filed_as_replacement_characters_and_readable_over_the_api(
    business: Business,
    post_signed: Post,
    process: Process,
    app_client: httpx.AsyncClient,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Valid JSON text whose decoded strings cannot be encoded to UTF-8: `json.dumps` keeps the
    # escapes as they are, as a sender that splits an emoji in half would send them.
    body = envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Giu\udc00lia"}, "wa_id": "393331234567"}],
            "messages": [
                {
                    "from": "393331234567",
                    "id": "wamid.SURROGATE",
                    "timestamp": "1750000000",
                    "type": "text",
                    "text": {"body": "a\ud800b"},
                },
                {
                    "from": "393331234567",
                    "id": "wamid.NUL",
                    "timestamp": "1750000001",
                    "type": "text",
                    "text": {"body": "x\u0000y"},  # valid UTF-8, but PostgreSQL's text refuses NUL
                },
                {
                    "from": "393331234567",
                    "id": "wamid.SURROGATE2",
                    "timestamp": "1750000001",
                    "type": "sticker\udfff",
                    "sticker\udfff": {"id\ud800": "x\udbff"},
                },
            ],
        }
    )
    assert b"\\ud800" in body
    answer = await post_signed(body)
    assert answer.status_code == 200
    await process()
    async with unit_of_work(sessionmaker) as session:
        event = await session.scalar(select(WebhookEvent))
        assert event is not None and event.state is WebhookState.PROCESSED, event and event.error
        messages = {m.meta_id: m for m in (await session.scalars(select(Message))).all()}
        texts = {meta_id: m.text for meta_id, m in messages.items()}
        assert texts["wamid.SURROGATE"] == "a\ufffdb" and texts["wamid.NUL"] == "x\ufffdy"
        # An unsupported message keeps its raw JSON, keys included, clean.
        assert messages["wamid.SURROGATE2"].content["raw"]["sticker\ufffd"] == {"id\ufffd": "x\ufffd"}
        contact = await session.scalar(select(Contact))
        assert contact is not None and contact.profile_name == "Giu\ufffdlia"
        chat = await session.scalar(select(Chat))
        assert chat is not None
        chat_uuid = chat.uuid
        owner = await session.scalar(
            select(User).where(User.account_id == business.account_id, User.role == Role.OWNER)
        )
        assert owner is not None
        raw_key, key = await api_keys.request_api_key(
            session, actor=Actor.of(owner), motivation="x" * 25, allowed_origins=[], signing_key=settings.signing_key
        )
        await api_keys.approve_api_key(session, key_id=key.id)
    history = await app_client.get(f"/api/1/chats/{chat_uuid}/messages/", headers={"X-Spoki-Api-Key": raw_key})
    assert history.status_code == 200, history.text
    results = history.json()["results"]
    assert len(results) == 3
    assert {"a\ufffdb", "x\ufffdy"} <= {m["text"] for m in results}
    assert "Unsupported" in {m["content_type"] for m in results}
