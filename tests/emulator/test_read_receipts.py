"""The emulator takes read receipts and typing indicators as Meta does: only for a message the
number received, `typing_indicator.type` only "text"; the customer's conversation shows them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from support.world import FAST

BUSINESS = Business()
CUSTOMER = "393331234567"
MESSAGES = f"/v23.0/{BUSINESS.phone_number_id}/messages"
AUTH = {"Authorization": f"Bearer {BUSINESS.access_token}"}


@pytest.fixture
async def emulator() -> AsyncIterator[httpx.AsyncClient]:
    app = create_emulator_app(EmulatorConfig(businesses=[BUSINESS], pair_burst=None, **FAST))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://graph") as client:
        yield client


async def _customer_says(emulator: httpx.AsyncClient, text: str) -> str:
    said = await emulator.post("/_emulator/say", json={"from": CUSTOMER, "text": text})
    assert said.status_code == 200, said.text
    return str(said.json()["wamid"])


async def _conversation(emulator: httpx.AsyncClient) -> dict[str, Any]:
    answer = await emulator.get(f"/_emulator/conversations/{CUSTOMER}")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def _read(message_id: str, **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id, **extra}


async def test_a_read_receipt_marks_the_message_and_the_earlier_ones_read(emulator: httpx.AsyncClient) -> None:
    first, second, third = [await _customer_says(emulator, text) for text in ("Ciao", "Ci sei?", "Grazie")]
    answer = await emulator.post(MESSAGES, headers=AUTH, json=_read(second))
    assert answer.status_code == 200 and answer.json() == {"success": True}
    shown = await _conversation(emulator)
    assert {m["wamid"]: m["status"] for m in shown["messages"]} == {first: "read", second: "read", third: ""}
    assert [(r["message_id"], r["typing_indicator"]) for r in shown["read_receipts"]] == [(second, False)]
    assert shown["typing"] is False


async def test_a_typing_indicator_shows_until_the_business_answers(emulator: httpx.AsyncClient) -> None:
    wamid = await _customer_says(emulator, "Avete la taglia M?")
    answer = await emulator.post(MESSAGES, headers=AUTH, json=_read(wamid, typing_indicator={"type": "text"}))
    assert answer.status_code == 200, answer.text
    shown = await _conversation(emulator)
    assert shown["typing"] is True and shown["typing_until"] > shown["messages"][0]["at"]
    assert shown["read_receipts"][-1]["typing_indicator"] is True and shown["messages"][0]["status"] == "read"
    reply = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "Sì!"}}
    assert (await emulator.post(MESSAGES, headers=AUTH, json=reply)).status_code == 200
    assert (await _conversation(emulator))["typing"] is False


@pytest.mark.parametrize(
    "body",
    [
        _read("wamid.NOT-RECEIVED"),
        _read("wamid.X", typing_indicator={"type": "audio"}),
        {"messaging_product": "whatsapp", "status": "read"},
        {"messaging_product": "sms", "status": "read", "message_id": "wamid.X"},
    ],
    ids=["unknown message", "typing not text", "no message id", "not whatsapp"],
)
async def test_a_read_receipt_meta_would_refuse_is_refused_with_metas_error(
    emulator: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    await _customer_says(emulator, "Ciao")
    answer = await emulator.post(MESSAGES, headers=AUTH, json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100 and answer.json()["error"]["type"] == "OAuthException"
    assert (await _conversation(emulator))["read_receipts"] == []


async def test_the_business_cannot_mark_its_own_message_read(emulator: httpx.AsyncClient) -> None:
    await _customer_says(emulator, "Ciao")
    reply = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "Buongiorno"}}
    ours = (await emulator.post(MESSAGES, headers=AUTH, json=reply)).json()["messages"][0]["id"]
    answer = await emulator.post(MESSAGES, headers=AUTH, json=_read(ours))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100
