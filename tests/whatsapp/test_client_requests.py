"""What the Graph API client puts on the wire, and how it reads Meta's answers. Meta's side is a
tiny double defined here (served through `httpx.ASGITransport`): it records each request and
answers as Meta documents; every send body it receives is checked against Meta's schema."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from sportello.whatsapp.client import CreatedTemplate, GraphApiClient, MediaInfo
from sportello.whatsapp.errors import TRANSPORT_ERROR, GraphApiError

from .send_schema import send_schema_errors

TOKEN, NUMBER, WABA, TO = "EAAG-token", "106540352242922", "102290129340398", "393331234567"
FILE = b"%PDF-1.4 " + b"x" * 1000

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Seen:
    method: str
    path: str  # as sent, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class MetaDouble:
    """Meta's answers, by path; `to` values of a send choose a failure."""

    seen: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = Seen(
            method=scope["method"],
            path=scope["raw_path"].decode(),
            query=parse_qs(scope["query_string"].decode()),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=body,
        )
        self.seen.append(request)
        status, content_type, answer = self._answer(request)
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type.encode())]}
        )
        await send({"type": "http.response.body", "body": answer})

    def _answer(self, request: Seen) -> tuple[int, str, bytes]:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _meta_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        parts = request.path.strip("/").split("/")
        if parts[0] == "lookaside":
            return 200, "application/pdf", FILE
        assert parts[0] == "v23.0", request.path
        if parts[1:] == [NUMBER, "messages"]:
            return self._send(request.json())
        if parts[1:] == [NUMBER, "media"]:
            return _ok({"id": "4490709327384033"})
        if parts[1:] == [WABA, "message_templates"]:
            if request.method == "POST":
                return _ok({"id": "594425479261596", "status": "PENDING", "category": "MARKETING"})
            if request.method == "DELETE":
                return _ok({"success": True})
            return self._template_page(request)
        if len(parts) == 2:
            return _ok(
                {
                    "messaging_product": "whatsapp",
                    "url": "http://graph.test/lookaside/whatsapp_business/attachments/?mid=1",
                    "mime_type": "application/pdf",
                    "sha256": "abc",
                    "file_size": str(len(FILE)),
                    "id": parts[1],
                }
            )
        return _meta_error(400, 100, "Unsupported post request.")

    def _send(self, body: dict[str, Any]) -> tuple[int, str, bytes]:
        if body.get("status") == "read":
            return _ok({"success": True})
        to = body["to"]
        if to == "rate":
            return _meta_error(400, 130429, "(#130429) Rate limit hit", details="Too many messages")
        if to == "window":
            return _meta_error(400, 131047, "Re-engagement message", details="More than 24 hours have passed")
        if to == "gateway":
            return 502, "text/html", b"<html>Bad gateway</html>"
        if to == "no-id":
            return _ok({"messaging_product": "whatsapp", "messages": []})
        if to == "not-json":
            return 200, "text/plain", b"ok"
        message: dict[str, Any] = {"id": "wamid.HBgLMzkzMzMxMjM0NTY3FQIAERgSQTU"}
        if body["type"] == "template":
            message["message_status"] = "accepted"
        return _ok({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [message]})

    def _template_page(self, request: Seen) -> tuple[int, str, bytes]:
        if "after" not in request.query:
            return _ok(
                {
                    "data": [{"name": "welcome", "status": "APPROVED"}],
                    "paging": {"cursors": {"before": "B", "after": "PAGE2"}, "next": "http://graph.test/next"},
                }
            )
        return _ok({"data": [{"name": "order_ready", "status": "PENDING"}, "junk"], "paging": {"cursors": {}}})

    def sends(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.seen if r.path.endswith("/messages") and r.json().get("status") != "read"]


def _ok(body: Any) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(body).encode()


def _meta_error(status: int, code: int, message: str, details: str = "") -> tuple[int, str, bytes]:
    error = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }
    return status, "application/json", json.dumps({"error": error}).encode()


@pytest.fixture
async def meta() -> AsyncIterator[tuple[GraphApiClient, MetaDouble]]:
    double = MetaDouble()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=double)) as http:
        yield GraphApiClient(http, base_url="http://graph.test/"), double


async def test_every_send_is_a_bearer_post_to_the_numbers_messages_with_a_valid_body(
    meta: tuple[GraphApiClient, MetaDouble],
) -> None:
    client, double = meta
    auth = {"access_token": TOKEN, "phone_number_id": NUMBER}
    uuid = "5f0c" * 8
    text = await client.send_text(**auth, to=TO, body="Ciao", reply_to="wamid.IN", biz_opaque_callback_data=uuid)
    template = await client.send_template(
        **auth,
        to=TO,
        name="order_ready",
        language="it",
        components=[{"type": "body", "parameters": [{"type": "text", "text": "Giulia"}]}],
        biz_opaque_callback_data=uuid,
    )
    await client.send_media(**auth, to=TO, kind="document", media_id="1", caption="Ricevuta", filename="r.pdf")
    await client.send_media(**auth, to=TO, kind="audio", media_id="2")
    await client.send_interactive_buttons(**auth, to=TO, body="Confermi?", buttons=[("yes", "Sì"), ("no", "No")])
    await client.send_interactive_list(
        **auth,
        to=TO,
        body="Scegli",
        button="Opzioni",
        sections=[{"title": "Consegna", "rows": [{"id": "fast", "title": "Veloce", "description": "1 giorno"}]}],
        header="Spedizione",
        footer="Grazie",
    )
    await client.send_reaction(**auth, to=TO, message_id="wamid.IN", emoji="👍")
    await client.send_reaction(**auth, to=TO, message_id="wamid.IN", emoji="")

    assert text.wamid == text.meta_id == "wamid.HBgLMzkzMzMxMjM0NTY3FQIAERgSQTU"
    assert (text.wa_id, text.message_status, template.message_status) == (TO, None, "accepted")
    for request in double.seen:
        assert (request.method, request.path) == ("POST", f"/v23.0/{NUMBER}/messages")
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["content-type"] == "application/json"
    sends = double.sends()
    assert [s["type"] for s in sends] == [
        "text",
        "template",
        "document",
        "audio",
        "interactive",
        "interactive",
        "reaction",
        "reaction",
    ]
    for body in sends:
        assert send_schema_errors(body) == [], body
    assert sends[0]["context"] == {"message_id": "wamid.IN"}
    assert sends[0]["biz_opaque_callback_data"] == sends[1]["biz_opaque_callback_data"] == uuid


async def test_mark_as_read_posts_metas_body(meta: tuple[GraphApiClient, MetaDouble]) -> None:
    client, double = meta
    await client.mark_as_read(access_token=TOKEN, phone_number_id=NUMBER, message_id="wamid.IN")
    (request,) = double.seen
    assert request.path == f"/v23.0/{NUMBER}/messages"
    assert request.json() == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN"}


async def test_metas_error_envelope_becomes_a_typed_error(meta: tuple[GraphApiClient, MetaDouble]) -> None:
    client, _ = meta
    with pytest.raises(GraphApiError) as rate:
        await client.send_text(access_token=TOKEN, phone_number_id=NUMBER, to="rate", body="x")
    assert (rate.value.http_status, rate.value.code, rate.value.details) == (400, 130429, "Too many messages")
    assert rate.value.fbtrace_id == "Az8or2yhqkZfEZ-_4Qn_Bam" and rate.value.is_retryable
    with pytest.raises(GraphApiError) as window:
        await client.send_text(access_token=TOKEN, phone_number_id=NUMBER, to="window", body="x")
    assert window.value.code == 131047 and not window.value.is_retryable
    assert "template" in window.value.agent_message("en")
    with pytest.raises(GraphApiError) as token:
        await client.send_text(access_token="expired", phone_number_id=NUMBER, to=TO, body="x")
    assert (token.value.http_status, token.value.code, token.value.is_retryable) == (401, 190, False)


@pytest.mark.parametrize("to", ["gateway", "no-id", "not-json"])
async def test_an_answer_that_is_not_metas_is_an_unknown_outcome_and_retried(
    meta: tuple[GraphApiClient, MetaDouble], to: str
) -> None:
    client, _ = meta
    with pytest.raises(GraphApiError) as error:
        await client.send_text(access_token=TOKEN, phone_number_id=NUMBER, to=to, body="x")
    assert error.value.code == TRANSPORT_ERROR and error.value.is_retryable


async def test_media_is_uploaded_located_and_downloaded_with_the_token(meta: tuple[GraphApiClient, MetaDouble]) -> None:
    client, double = meta
    media_id = await client.upload_media(
        access_token=TOKEN, phone_number_id=NUMBER, content=FILE, mime_type="application/pdf", filename="r.pdf"
    )
    assert media_id == "4490709327384033"
    upload = double.seen[-1]
    assert upload.path == f"/v23.0/{NUMBER}/media" and upload.headers["content-type"].startswith("multipart/form-data")
    assert b'name="messaging_product"\r\n\r\nwhatsapp' in upload.body
    assert (
        b'filename="r.pdf"' in upload.body and b"Content-Type: application/pdf" in upload.body and FILE in upload.body
    )

    info = await client.get_media(access_token=TOKEN, media_id=media_id, phone_number_id=NUMBER)
    assert info == MediaInfo(
        url="http://graph.test/lookaside/whatsapp_business/attachments/?mid=1",
        mime_type="application/pdf",
        sha256="abc",
        file_size=len(FILE),
    )
    assert double.seen[-1].path == f"/v23.0/{media_id}" and double.seen[-1].query == {"phone_number_id": [NUMBER]}
    assert await client.download_media(access_token=TOKEN, url=info.url) == FILE
    assert double.seen[-1].headers["authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(GraphApiError) as too_large:
        await client.download_media(access_token=TOKEN, url=info.url, max_bytes=100)
    assert (too_large.value.http_status, too_large.value.code) == (413, 131052)
    with pytest.raises(GraphApiError) as refused:
        await client.download_media(access_token="other", url=info.url)
    assert refused.value.code == 190


async def test_an_id_from_outside_cannot_change_the_path(meta: tuple[GraphApiClient, MetaDouble]) -> None:
    client, double = meta
    await client.get_media(access_token=TOKEN, media_id=f"../{WABA}/message_templates")
    assert double.seen[-1].path == f"/v23.0/..%2F{WABA}%2Fmessage_templates"


async def test_templates_are_created_listed_across_pages_and_deleted(meta: tuple[GraphApiClient, MetaDouble]) -> None:
    client, double = meta
    components = [{"type": "BODY", "text": "Ciao {{1}}", "example": {"body_text": [["Giulia"]]}}]
    created = await client.create_template(
        access_token=TOKEN, waba_id=WABA, name="welcome", category="MARKETING", language="it", components=components
    )
    assert created == CreatedTemplate(id="594425479261596", status="PENDING", category="MARKETING")
    assert double.seen[-1].json() == {
        "name": "welcome",
        "category": "MARKETING",
        "language": "it",
        "components": components,
    }

    templates = await client.list_templates(access_token=TOKEN, waba_id=WABA, status="APPROVED", limit=1)
    assert [t["name"] for t in templates] == ["welcome", "order_ready"]
    first, second = double.seen[-2:]
    assert first.query == {"limit": ["1"], "status": ["APPROVED"]}
    assert second.query == {"limit": ["1"], "status": ["APPROVED"], "after": ["PAGE2"]}

    await client.delete_template(access_token=TOKEN, waba_id=WABA, name="welcome", hsm_id="594425479261596")
    deleted = double.seen[-1]
    assert (deleted.method, deleted.path) == ("DELETE", f"/v23.0/{WABA}/message_templates")
    assert deleted.query == {"name": ["welcome"], "hsm_id": ["594425479261596"]}


async def test_a_timeout_is_a_retryable_transport_error() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # keeps the connection open, silent

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(timeout=0.2) as http:
            client = GraphApiClient(http, base_url=f"http://127.0.0.1:{port}")
            with pytest.raises(GraphApiError) as error:
                await client.send_text(access_token=TOKEN, phone_number_id=NUMBER, to=TO, body="x")
    finally:
        for writer in accepted:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()
    assert (error.value.http_status, error.value.code, error.value.is_retryable) == (0, TRANSPORT_ERROR, True)
    assert "Timeout" in error.value.message
