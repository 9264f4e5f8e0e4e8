"""Meta's webhooks under load: each body stored once and answered 200 only once committed, many
bodies in one commit; a body that cannot be stored is answered with an error Meta retries; a
connected number's app secret, changed here or by another process, is the one that counts."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.integrations import service as integrations_service
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.encryption import SecretBox
from sportello.settings import Settings
from sportello.webhooks.models import WebhookEvent
from sportello.whatsapp.signature import sign
from webhooks.conftest import APP_SECRET, PHONE_NUMBER_ID, WABA_ID, Business, envelope
from webhooks.refusals import refused_inserts

CONCURRENT = 64


def _inbound(index: int) -> bytes:
    return envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": f"Customer {index}"}, "wa_id": f"39333{index:07d}"}],
            "messages": [
                {
                    "from": f"39333{index:07d}",
                    "id": f"wamid.concurrent{index}",
                    "timestamp": "1700000000",
                    "type": "text",
                    "text": {"body": f"hello {index} ✓"},
                }
            ],
        }
    )


async def _stored_bodies(sessionmaker: async_sessionmaker[AsyncSession]) -> list[bytes]:
    async with unit_of_work(sessionmaker) as session:
        return [bytes(body) for body in (await session.scalars(select(WebhookEvent.body))).all()]


async def _post(client: httpx.AsyncClient, body: bytes, secret: str = APP_SECRET) -> httpx.Response:
    return await client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)},
    )


async def test_concurrent_webhooks_are_each_stored_once_and_answered_only_once_committed(
    business: Business, app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    engine = app_client.app.state.engine  # type: ignore[attr-defined]
    commits: list[None] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(None))
    bodies = [_inbound(index) for index in range(CONCURRENT)]

    async def post_then_look(body: bytes) -> bool:
        answer = await _post(app_client, body)
        assert answer.status_code == 200 and answer.json() == {"status": "received"}, answer.text
        # Read from another connection the moment the answer arrives: it is already committed.
        return body in await _stored_bodies(sessionmaker)

    seen = await asyncio.gather(*(post_then_look(body) for body in bodies))
    assert all(seen), f"{seen.count(False)} answered 200 before their body was committed"
    stored = await _stored_bodies(sessionmaker)
    assert sorted(stored) == sorted(bodies), "each body stored once, byte for byte"
    async with unit_of_work(sessionmaker) as session:
        signers = (await session.scalars(select(WebhookEvent.signed_by))).all()
    assert all(signed_by == sorted(business.numbers.values()) for signed_by in signers)
    # Group commit: the bodies that arrive together share commits.
    assert len(commits) <= CONCURRENT // 4, f"{len(commits)} commits for {CONCURRENT} webhooks"


async def test_a_webhook_that_cannot_be_stored_is_answered_503_and_stored_when_meta_retries(
    business: Business, app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    bodies = [_inbound(index) for index in range(8)]
    async with refused_inserts(sessionmaker, table="webhook_events", when="1 = 1", message="disk full"):
        answers = await asyncio.gather(*(_post(app_client, body) for body in bodies))
        assert {(a.status_code, a.json()["code"]) for a in answers} == {(503, "not_stored")}
        assert await _stored_bodies(sessionmaker) == []
    # Meta sends them again; now the database takes them.
    answers = await asyncio.gather(*(_post(app_client, body) for body in bodies))
    assert {a.status_code for a in answers} == {200}
    assert sorted(await _stored_bodies(sessionmaker)) == sorted(bodies)


async def test_an_app_secret_changed_in_this_process_counts_at_once(
    business: Business,
    app_client: httpx.AsyncClient,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert (await _post(app_client, _inbound(1))).status_code == 200
    async with unit_of_work(sessionmaker) as session:
        await integrations_service.connect_whatsapp(
            session,
            box=SecretBox(settings.fernet_key),
            account_id=business.account_id,
            phone_number_id=PHONE_NUMBER_ID,
            waba_id=WABA_ID,
            access_token="token",
            app_secret="the-new-secret",
        )
    assert (await _post(app_client, _inbound(2), "the-new-secret")).status_code == 200
    # The other sample numbers still have the old secret: only the re-keyed one left it.
    async with unit_of_work(sessionmaker) as session:
        last = await session.scalar(select(WebhookEvent.signed_by).order_by(WebhookEvent.id.desc()).limit(1))
    assert last == [business.number_id]


async def test_an_app_secret_changed_by_another_process_counts_within_seconds(
    business: Business,
    app_client: httpx.AsyncClient,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The operator re-keys every number from the CLI while the server runs."""
    assert (await _post(app_client, _inbound(1))).status_code == 200
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")} | {
        "SPORTELLO_DATA_DIR": str(settings.data_dir),
        "SPORTELLO_DATABASE_URL": settings.resolved_database_url,
        "SPORTELLO_ACCESS_TOKEN": "token",
        "SPORTELLO_APP_SECRET": "rotated-secret",
    }
    async with unit_of_work(sessionmaker) as session:
        wabas = dict((await session.execute(select(WhatsAppNumber.phone_number_id, WhatsAppNumber.waba_id))).all())
    for phone_number_id, waba_id in wabas.items():
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "sportello", "operator", "connect-whatsapp", "--account", str(business.account_id),
             "--phone-number-id", phone_number_id, "--waba-id", waba_id],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    # The new secret is taken from its first webhook: a body no secret known here signed makes
    # the server read the secrets again before refusing it.
    assert (await _post(app_client, _inbound(2), "rotated-secret")).status_code == 200
    # The old one stops being accepted within seconds.
    deadline = time.monotonic() + 8
    while (answer := await _post(app_client, _inbound(3), APP_SECRET)).status_code == 200:
        assert time.monotonic() < deadline, "the replaced app secret is still accepted"
        await asyncio.sleep(0.2)
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_signature"
    assert _inbound(2) in await _stored_bodies(sessionmaker)
