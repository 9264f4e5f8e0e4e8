"""The Graph API client against the Cloud API emulator, end to end: Meta's answers and errors
become typed results, with the right retry decision and a sentence for the agent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from sportello.emulator.state import StoredTemplate
from sportello.whatsapp import outbound_payloads as payloads
from sportello.whatsapp.client import GraphApiClient
from sportello.whatsapp.errors import GraphApiError

BUSINESS = Business()
TOKEN, NUMBER, WABA = BUSINESS.access_token, BUSINESS.phone_number_id, BUSINESS.waba_id
TO = "393331234567"


async def _client(**options: Any) -> tuple[GraphApiClient, FastAPI, httpx.AsyncClient]:
    app = create_emulator_app(EmulatorConfig(businesses=[BUSINESS], **options))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://graph")
    return GraphApiClient(http, base_url="http://graph", version="v23.0"), app, http


@pytest.fixture
async def graph() -> AsyncIterator[tuple[GraphApiClient, FastAPI]]:
    client, app, http = await _client(pair_burst=None)
    yield client, app
    await http.aclose()


def _approve(app: FastAPI, name: str, body_text: str) -> None:
    app.state.emulator.templates["1"] = StoredTemplate(
        template_id="1",
        waba_id=WABA,
        name=name,
        language="it",
        category="UTILITY",
        components=[{"type": "BODY", "text": body_text}],
        status="APPROVED",
    )


async def test_text_is_accepted_with_an_id_only(graph: tuple[GraphApiClient, FastAPI]) -> None:
    client, _ = graph
    result = await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text(TO, "Ciao"))
    assert result.meta_id.startswith("wamid.") and result.wa_id == TO and result.message_status is None


async def test_every_kind_of_send_is_accepted_by_the_emulator(graph: tuple[GraphApiClient, FastAPI]) -> None:
    client, _ = graph
    auth = {"access_token": TOKEN, "phone_number_id": NUMBER}
    text = await client.send_text(**auth, to=TO, body="Ciao", biz_opaque_callback_data="a" * 32)
    results = [
        text,
        await client.send_interactive_buttons(**auth, to=TO, body="Confermi?", buttons=[("yes", "Sì"), ("no", "No")]),
        await client.send_interactive_list(
            **auth,
            to=TO,
            body="Scegli",
            button="Opzioni",
            sections=[{"title": "Consegna", "rows": [{"id": "fast", "title": "Veloce"}]}],
            footer="Grazie",
        ),
        await client.send_reaction(**auth, to=TO, message_id=text.wamid, emoji="👍"),
    ]
    assert all(r.wamid.startswith("wamid.") for r in results) and len({r.wamid for r in results}) == 4


async def test_template_answers_message_status_and_checks_its_parameters(graph: tuple[GraphApiClient, FastAPI]) -> None:
    client, app = graph
    _approve(app, "order_ready", "Ciao {{1}}, il tuo ordine {{2}} è pronto.")
    body = [{"type": "body", "parameters": [{"type": "text", "text": "Giulia"}, {"type": "text", "text": "42"}]}]
    result = await client.send(
        access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.template(TO, "order_ready", "it", body)
    )
    assert result.message_status == "accepted"
    with pytest.raises(GraphApiError) as wrong_count:
        await client.send(
            access_token=TOKEN,
            phone_number_id=NUMBER,
            payload=payloads.template(
                TO, "order_ready", "it", [{"type": "body", "parameters": [{"type": "text", "text": "Giulia"}]}]
            ),
        )
    assert wrong_count.value.code == 132000 and not wrong_count.value.is_retryable
    with pytest.raises(GraphApiError) as unknown:
        await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.template(TO, "nope", "it", []))
    assert unknown.value.code == 132001
    assert "non esiste" in unknown.value.agent_message("it") and "not approved" in unknown.value.agent_message("en")


async def test_bad_token_is_190_and_not_retried(graph: tuple[GraphApiClient, FastAPI]) -> None:
    client, _ = graph
    with pytest.raises(GraphApiError) as error:
        await client.send(access_token="wrong", phone_number_id=NUMBER, payload=payloads.text(TO, "x"))
    assert (error.value.http_status, error.value.code, error.value.is_retryable) == (401, 190, False)
    assert "token" in error.value.agent_message("en")


@pytest.mark.parametrize(
    "payload",
    [
        payloads.buttons(TO, "Pick", [(str(i), f"B{i}") for i in range(4)]),
        payloads.buttons(TO, "Pick", [("1", "x" * 21)]),
        {**payloads.text(TO, "x"), "messaging_product": "sms"},
        {**payloads.text(TO, "x"), "to": "abc"},
        payloads.media(TO, "image", "999"),
    ],
)
async def test_invalid_sends_get_metas_synchronous_errors(
    graph: tuple[GraphApiClient, FastAPI], payload: dict[str, Any]
) -> None:
    client, _ = graph
    with pytest.raises(GraphApiError) as error:
        await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payload)
    assert error.value.code in (100, 131053) and error.value.http_status == 400


async def test_rate_limits_are_retryable() -> None:
    client, _, http = await _client(number_rate_per_second=2, pair_burst=None)
    try:
        await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text(TO, "1"))
        await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text("393330000001", "2"))
        with pytest.raises(GraphApiError) as number_rate:
            await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text(TO, "3"))
    finally:
        await http.aclose()
    assert number_rate.value.code == 130429 and number_rate.value.is_retryable
    client, _, http = await _client(pair_burst=1, pair_per_second=0.01)
    try:
        await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text(TO, "1"))
        with pytest.raises(GraphApiError) as pair_rate:
            await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text(TO, "2"))
        await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text("393330000001", "ok"))
    finally:
        await http.aclose()
    assert pair_rate.value.code == 131056 and pair_rate.value.is_retryable


async def test_media_upload_url_download_and_expiry() -> None:
    client, app, http = await _client(media_url_ttl_seconds=0.2)
    try:
        media_id = await client.upload_media(
            access_token=TOKEN,
            phone_number_id=NUMBER,
            content=b"%PDF-1.4 x",
            mime_type="application/pdf",
            filename="receipt.pdf",
        )
        info = await client.get_media(access_token=TOKEN, media_id=media_id)
        assert info.mime_type == "application/pdf" and info.file_size == 10
        assert await client.download_media(access_token=TOKEN, url=info.url, max_bytes=100) == b"%PDF-1.4 x"
        unauthenticated = await http.get(info.url)
        assert unauthenticated.status_code == 401
        import asyncio

        await asyncio.sleep(0.3)
        with pytest.raises(GraphApiError) as expired:
            await client.download_media(access_token=TOKEN, url=info.url, max_bytes=100)
        assert expired.value.http_status == 404
        with pytest.raises(GraphApiError) as wrong_type:
            await client.upload_media(
                access_token=TOKEN,
                phone_number_id=NUMBER,
                content=b"MZ",
                mime_type="application/x-msdownload",
                filename="x.exe",
            )
        assert wrong_type.value.code == 131053
        sent = await client.send(
            access_token=TOKEN,
            phone_number_id=NUMBER,
            payload=payloads.media(TO, "document", media_id, caption="Ricevuta", filename="receipt.pdf"),
        )
        assert sent.meta_id
    finally:
        await http.aclose()
    del app


async def test_templates_are_created_listed_and_deleted(graph: tuple[GraphApiClient, FastAPI]) -> None:
    client, _ = graph
    created = await client.create_template(
        access_token=TOKEN,
        waba_id=WABA,
        name="welcome_back",
        category="MARKETING",
        language="it",
        components=[{"type": "BODY", "text": "Bentornato {{1}}!", "example": {"body_text": [["Giulia"]]}}],
    )
    assert created.status == "PENDING" and created.id
    assert [t["name"] for t in await client.list_templates(access_token=TOKEN, waba_id=WABA)] == ["welcome_back"]
    with pytest.raises(GraphApiError) as bad_name:
        await client.create_template(
            access_token=TOKEN,
            waba_id=WABA,
            name="Welcome Back",
            category="MARKETING",
            language="it",
            components=[{"type": "BODY", "text": "x"}],
        )
    assert bad_name.value.code == 100
    await client.delete_template(access_token=TOKEN, waba_id=WABA, name="welcome_back")
    assert await client.list_templates(access_token=TOKEN, waba_id=WABA) == []


async def test_a_rejected_template_is_edited_and_reviewed_again(graph: tuple[GraphApiClient, FastAPI]) -> None:
    client, app = graph
    created = await client.create_template(
        access_token=TOKEN,
        waba_id=WABA,
        name="summer_sale",
        category="UTILITY",
        language="es",
        components=[{"type": "BODY", "text": "Hola {{1}}, rebajas hoy.", "example": {"body_text": [["Marco"]]}}],
    )
    edited = [{"type": "BODY", "text": "Hola {{1}}, rebajas de hasta un 30%.", "example": {"body_text": [["Marco"]]}}]
    with pytest.raises(GraphApiError) as in_review:
        await client.edit_template(access_token=TOKEN, template_id=created.id, category="MARKETING", components=edited)
    assert in_review.value.code == 100, "a template still in review cannot be edited"
    stored = app.state.emulator.templates[created.id]
    stored.status, stored.reason = "REJECTED", "INCORRECT_CATEGORY"
    await client.edit_template(access_token=TOKEN, template_id=created.id, category="MARKETING", components=edited)
    [again] = await client.list_templates(access_token=TOKEN, waba_id=WABA)
    assert again["id"] == created.id and again["status"] == "PENDING" and again["category"] == "MARKETING"
    assert again["components"] == edited


async def test_transport_failures_are_retryable() -> None:
    http = httpx.AsyncClient(base_url="http://127.0.0.1:1")
    client = GraphApiClient(http, base_url="http://127.0.0.1:1")
    try:
        with pytest.raises(GraphApiError) as error:
            await client.send(access_token=TOKEN, phone_number_id=NUMBER, payload=payloads.text(TO, "x"))
    finally:
        await http.aclose()
    assert error.value.is_retryable and error.value.code == -1


async def test_mark_as_read_is_accepted(graph: tuple[GraphApiClient, FastAPI]) -> None:
    client, app = graph
    # Meta marks read only a message the number received: the customer writes first.
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://graph")
    async with http:
        wamid = (await http.post("/_emulator/say", json={"from": TO, "text": "Ciao"})).json()["wamid"]
    await client.mark_as_read(access_token=TOKEN, phone_number_id=NUMBER, message_id=wamid, typing=True)
