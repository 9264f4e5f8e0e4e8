"""The emulator answers `GET /{phone-number-id}` as Meta does (PhoneNumberInfo): the default
fields or those asked for, only with the number's token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sportello.emulator.app import create_emulator_app
from sportello.emulator.config import Business, EmulatorConfig
from sportello.whatsapp.client import GraphApiClient
from sportello.whatsapp.errors import GraphApiError
from support.meta_schema import errors
from support.world import FAST

BUSINESS = Business(verified_name="Bottega Rossi", quality_rating="YELLOW")
PATH = f"/v23.0/{BUSINESS.phone_number_id}"
AUTH = {"Authorization": f"Bearer {BUSINESS.access_token}"}


@pytest.fixture
async def emulator() -> AsyncIterator[httpx.AsyncClient]:
    app = create_emulator_app(EmulatorConfig(businesses=[BUSINESS], **FAST))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://graph") as client:
        yield client


async def test_the_number_answers_with_metas_default_fields(emulator: httpx.AsyncClient) -> None:
    answer = await emulator.get(PATH, headers=AUTH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == {
        "id": BUSINESS.phone_number_id,
        "display_phone_number": "+1 555-078-3881",
        "verified_name": "Bottega Rossi",
        "quality_rating": "YELLOW",
    }
    assert errors("PhoneNumberInfo", body) == []


async def test_fields_choose_what_is_answered(emulator: httpx.AsyncClient) -> None:
    answer = await emulator.get(PATH, headers=AUTH, params={"fields": "verified_name,quality_rating"})
    assert answer.json() == {
        "id": BUSINESS.phone_number_id,
        "verified_name": "Bottega Rossi",
        "quality_rating": "YELLOW",
    }
    unknown = await emulator.get(PATH, headers=AUTH, params={"fields": "nonsense"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100


async def test_a_wrong_token_or_an_unknown_number_is_refused(emulator: httpx.AsyncClient) -> None:
    wrong = await emulator.get(PATH, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == 190
    missing = await emulator.get("/v23.0/999999999999", headers=AUTH)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 100


async def test_the_graph_client_reads_the_number(emulator: httpx.AsyncClient) -> None:
    client = GraphApiClient(emulator, base_url="http://graph")
    info = await client.get_phone_number(access_token=BUSINESS.access_token, phone_number_id=BUSINESS.phone_number_id)
    assert (info.verified_name, info.quality_rating, info.display_phone_number) == (
        "Bottega Rossi",
        "YELLOW",
        "+1 555-078-3881",
    )
    with pytest.raises(GraphApiError) as refused:
        await client.get_phone_number(access_token="nope", phone_number_id=BUSINESS.phone_number_id)
    assert refused.value.code == 190
