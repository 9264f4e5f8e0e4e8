"""The emulator's webhooks, received by a real server: shaped like Meta's samples, signed with
the app secret, retried until answered 200; statuses after sends; failures Meta reports later."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conftest import SHARED_DIR
from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from sportello.whatsapp.signature import verify_signature
from support.meta_schema import errors
from support.servers import free_port, running_server
from support.world import FAST, wait_for

CUSTOMER = "393331234567"


@dataclass
class Receiver:
    fail_first: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self, secret: str) -> Starlette:
        async def hook(request: Request) -> JSONResponse:
            body = await request.body()
            with self.lock:
                self.attempts += 1
                if self.attempts <= self.fail_first:
                    return JSONResponse({"down": True}, status_code=503)
                assert verify_signature(body, request.headers.get("x-hub-signature-256"), secret)
                self.received.append(json.loads(body))
            return JSONResponse({"status": "received"})

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def values(self, field_name: str = "messages") -> list[dict[str, Any]]:
        with self.lock:
            return [
                c["value"] for b in self.received for e in b["entry"] for c in e["changes"] if c["field"] == field_name
            ]

    def statuses(self) -> list[dict[str, Any]]:
        return [s for v in self.values() for s in v.get("statuses", [])]


def _world(receiver: Receiver, **options: Any) -> Iterator[str]:
    port = free_port()
    business = Business(webhook_url=f"http://127.0.0.1:{port}/hook")
    config = EmulatorConfig(businesses=[business], **{**FAST, **options})
    with (
        running_server(receiver.app(business.app_secret), port=port),
        running_server(create_emulator_app(config)) as emulator,
    ):
        yield emulator


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def emulator(receiver: Receiver) -> Iterator[str]:
    yield from _world(receiver, read_without_delivered_probability=0.0, seed=3)


def _send(emulator: str, to: str, **body: Any) -> httpx.Response:
    business = Business()
    payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": "Ciao"},
        **body,
    }
    return httpx.post(
        f"{emulator}/v23.0/{business.phone_number_id}/messages",
        json=payload,
        headers={"Authorization": f"Bearer {business.access_token}"},
    )


def _keys(node: Any) -> Any:
    """The shape of a JSON value: its keys, recursively, without the values."""
    if isinstance(node, dict):
        return {k: _keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_keys(node[0])] if node else []
    return type(node).__name__


def test_a_customers_text_arrives_shaped_like_metas_sample(emulator: str, receiver: Receiver) -> None:
    said = httpx.post(f"{emulator}/_emulator/say", json={"from": "+" + CUSTOMER, "name": "Sheena", "text": "Hi"})
    assert said.status_code == 200
    value = wait_for(lambda: receiver.values())[0]
    sample = json.loads((SHARED_DIR / "whatsapp-samples" / "01_msg_text.json").read_text())
    expected = _keys(sample["entry"][0]["changes"][0]["value"])
    # Since April 2026 Meta adds the BSUID to every contact (pywa's tests/data/updates/message.json).
    expected["contacts"][0]["user_id"] = "str"
    assert _keys(value) == expected
    assert value["messages"][0]["text"]["body"] == "Hi" and value["contacts"][0]["profile"]["name"] == "Sheena"


def test_a_reply_in_the_window_goes_sent_delivered_read(emulator: str, receiver: Receiver) -> None:
    httpx.post(f"{emulator}/_emulator/say", json={"from": CUSTOMER, "text": "Hi"})
    answer = _send(emulator, CUSTOMER, biz_opaque_callback_data="our-uuid")
    assert answer.status_code == 200 and set(answer.json()["messages"][0]) == {"id"}
    wait_for(lambda: len(receiver.statuses()) == 3)
    statuses = receiver.statuses()
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert {s["biz_opaque_callback_data"] for s in statuses} == {"our-uuid"}
    assert "pricing" in statuses[0]
    for body in receiver.received[1:]:
        assert errors("WebhookPayload", body) == []


def test_outside_the_window_the_send_fails_later_with_131047(emulator: str, receiver: Receiver) -> None:
    assert _send(emulator, CUSTOMER).status_code == 200
    failed = wait_for(lambda: receiver.statuses())[0]
    assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131047


def test_numbers_ending_0000_are_undeliverable(emulator: str, receiver: Receiver) -> None:
    httpx.post(f"{emulator}/_emulator/say", json={"from": "393330000000", "text": "Hi"})
    assert _send(emulator, "393330000000").status_code == 200
    failed = wait_for(lambda: receiver.statuses())[0]
    assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131026


def test_templates_are_reviewed_by_rule_and_by_hand(emulator: str, receiver: Receiver) -> None:
    business = Business()
    headers = {"Authorization": f"Bearer {business.access_token}"}
    ids = {}
    for name in ("order_ready", "please_reject_me"):
        created = httpx.post(
            f"{emulator}/v23.0/{business.waba_id}/message_templates",
            headers=headers,
            json={
                "name": name,
                "category": "UTILITY",
                "language": "it",
                "components": [{"type": "BODY", "text": "Ciao {{1}}"}],
            },
        )
        assert created.json()["status"] == "PENDING"
        ids[name] = created.json()["id"]
    wait_for(lambda: len(receiver.values("message_template_status_update")) == 2)
    events = {
        v["message_template_name"]: (v["event"], v["reason"]) for v in receiver.values("message_template_status_update")
    }
    assert events == {"order_ready": ("APPROVED", "NONE"), "please_reject_me": ("REJECTED", "INVALID_FORMAT")}
    rejected = next(v for v in receiver.values("message_template_status_update") if v["event"] == "REJECTED")
    assert set(rejected["rejection_info"]) == {"reason", "recommendation"}
    read = httpx.get(f"{emulator}/v23.0/{ids['order_ready']}", headers=headers).json()
    assert read["parameter_format"] == "POSITIONAL"
    by_hand = httpx.post(
        f"{emulator}/_emulator/templates/{ids['order_ready']}/review",
        json={"decision": "reject", "reason": "PROMOTIONAL"},
    )
    assert by_hand.json() == {"status": "REJECTED"}
    wait_for(lambda: len(receiver.values("message_template_status_update")) == 3)


def test_webhooks_are_retried_until_answered_200() -> None:
    receiver = Receiver(fail_first=3)
    for emulator in _world(receiver):
        httpx.post(f"{emulator}/_emulator/say", json={"from": CUSTOMER, "text": "Are you there?"})
        value = wait_for(lambda: receiver.values())[0]
        assert value["messages"][0]["text"]["body"] == "Are you there?"
        assert receiver.attempts == 4


def test_chaos_duplicates_and_reorders_deliveries() -> None:
    receiver = Receiver()
    for emulator in _world(receiver, duplicate_probability=1.0, reorder_window_seconds=0.3, seed=5):
        for index in range(5):
            httpx.post(f"{emulator}/_emulator/say", json={"from": CUSTOMER, "text": f"n{index}"})
        wait_for(lambda: len(receiver.values()) == 10)
        texts = [v["messages"][0]["text"]["body"] for v in receiver.values()]
        assert sorted(texts) == sorted([f"n{i}" for i in range(5)] * 2)
        assert texts != sorted(texts, key=lambda t: int(t[1:])), "the order was shuffled"


def test_the_customer_phone_page_answers(emulator: str) -> None:
    page = httpx.get(f"{emulator}/phone/393331234567")
    assert page.status_code == 200 and 'id="composer"' in page.text


def test_every_entry_carries_its_time(emulator: str, receiver: Receiver) -> None:
    before = int(time.time())
    httpx.post(f"{emulator}/_emulator/say", json={"from": CUSTOMER, "text": "Hi"})
    wait_for(lambda: receiver.statuses() or receiver.values())
    entries = [e for b in receiver.received for e in b["entry"]]
    assert entries and all(before <= e["time"] <= time.time() + 1 for e in entries)


def test_a_webhook_is_retried_for_as_long_as_configured_then_dropped() -> None:
    receiver = Receiver(fail_first=10_000)
    options = {
        "webhook_retry_base_seconds": 0.05,
        "webhook_retry_max_backoff_seconds": 0.1,
        "webhook_retry_seconds": 1.0,
    }
    for emulator in _world(receiver, **options):
        httpx.post(f"{emulator}/_emulator/say", json={"from": CUSTOMER, "text": "Anyone?"})
        wait_for(lambda: receiver.attempts >= 8, timeout=5)
        time.sleep(1.2)
        settled = receiver.attempts
        time.sleep(0.5)
        assert receiver.attempts == settled, "no attempt after the retry period"
        assert 8 <= settled <= 30


def test_inbound_messages_use_the_numbers_throughput() -> None:
    receiver = Receiver()
    for emulator in _world(receiver, number_rate_per_second=5.0, pair_burst=None):
        for index in range(5):
            httpx.post(f"{emulator}/_emulator/say", json={"from": CUSTOMER, "text": f"n{index}"})
        business = Business()
        sent = httpx.post(
            f"{emulator}/v23.0/{business.phone_number_id}/messages",
            headers={"Authorization": f"Bearer {business.access_token}"},
            json={"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "Hello"}},
        )
        assert sent.status_code == 400 and sent.json()["error"]["code"] == 130429


def test_a_customers_picture_comes_with_its_download_url(emulator: str, receiver: Receiver) -> None:
    uploaded = httpx.post(
        f"{emulator}/_emulator/customer_media",
        files={"file": ("cat.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
    ).json()
    httpx.post(
        f"{emulator}/_emulator/say",
        json={"from": CUSTOMER, "type": "image", "media_id": uploaded["media_id"], "caption": "A cat"},
    )
    image = wait_for(lambda: receiver.values())[0]["messages"][0]["image"]
    assert set(image) == {"mime_type", "sha256", "id", "url", "caption"}
    business = Business()
    assert httpx.get(image["url"]).status_code == 401
    download = httpx.get(image["url"], headers={"Authorization": f"Bearer {business.access_token}"})
    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
