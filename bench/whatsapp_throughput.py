"""Webhook ingest latency and outbound throughput, Sportello against the Cloud API emulator."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sportello.chats import service as chats_service
from sportello.contacts import service as contacts_service
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.unit_of_work import unit_of_work
from sportello.messages import service as messages_service
from sportello.messages.models import Direction, Message, MessageKind, SendStatus
from sportello.settings import Settings
from sportello.whatsapp.signature import sign
from support import databases
from support.world import World, running_world


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(percentile(values, 0.95) * 1000, 2),
        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
    }


async def timed(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> float:
    started = time.perf_counter()
    response = await client.request(method, url, **kwargs)
    response.raise_for_status()
    return time.perf_counter() - started


def webhook(world: World, index: int) -> bytes:
    business = world.business
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": business.waba_id,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": business.display_phone_number,
                                    "phone_number_id": business.phone_number_id,
                                },
                                "contacts": [
                                    {"profile": {"name": f"Bench {index % 50}"}, "wa_id": f"3933300{index % 50:05d}"}
                                ],
                                "messages": [
                                    {
                                        "from": f"3933300{index % 50:05d}",
                                        "id": f"wamid.bench{index}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": f"hello {index}"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


async def count(world: World, *where: Any) -> int:
    engine = create_engine(world.settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(Message).where(*where)) or 0)
    finally:
        await engine.dispose()


async def bench_ingest(world: World, total: int, concurrency: int) -> dict[str, Any]:
    url = f"{world.sportello_url}/webhooks/whatsapp"
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:
        baseline = [await timed(client, "GET", f"{world.sportello_url}/healthz") for _ in range(200)]

        async def one(index: int) -> float:
            body = webhook(world, index)
            async with gate:
                return await timed(
                    client,
                    "POST",
                    url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": sign(body, world.business.app_secret),
                    },
                )

        started = time.perf_counter()
        answers = await asyncio.gather(*(one(i) for i in range(total)))
        answered = time.perf_counter() - started

    async def all_processed() -> bool:
        return await count(world, Message.direction == Direction.INBOUND) >= total

    await wait_until(all_processed, "every webhook processed")
    processed = time.perf_counter() - started
    ingest = summary(answers)
    return {
        "webhooks": total,
        "concurrency": concurrency,
        "answer": ingest,
        "healthz_baseline": summary(baseline),
        "answer_vs_healthz_median": round(ingest["median_ms"] / summary(baseline)["median_ms"], 2),
        "answered_per_second": round(total / answered, 1),
        "all_processed_after_s": round(processed, 2),
        "processed_per_second": round(total / processed, 1),
    }


async def wait_until(check: Any, what: str, limit_seconds: float = 300) -> None:
    deadline = time.monotonic() + limit_seconds
    while not await check():
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark stuck: {what} not reached within {limit_seconds} s")
        await asyncio.sleep(0.05)


async def bench_outbound(world: World, total: int) -> dict[str, Any]:
    # The customers write first, on their phones, so Meta's side sees their window open.
    before = await count(world, Message.direction == Direction.INBOUND)
    async with httpx.AsyncClient() as client:
        for customer in range(50):
            said = await client.post(
                f"{world.emulator_url}/_emulator/say", json={"from": f"+39344{customer + 1001:07d}", "text": "Ciao"}
            )
            said.raise_for_status()

    async def customers_stored() -> bool:
        return await count(world, Message.direction == Direction.INBOUND) >= before + 50

    await wait_until(customers_stored, "the customers' messages stored")
    engine = create_engine(world.settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            for customer in range(50):
                contact = await contacts_service.upsert_from_whatsapp(
                    session, account_id=world.account_id, phone=f"+39344{customer + 1001:07d}", profile_name=""
                )
                chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=world.number_id)
                for index in range(total // 50):
                    await messages_service.send(
                        session,
                        chat=chat,
                        contact=contact,
                        sender_user_id=None,
                        outgoing=messages_service.Outgoing(kind=MessageKind.MESSAGE, text=f"reply {index}"),
                    )
    finally:
        await engine.dispose()
    started = time.perf_counter()
    world.sportello.state.workers.sender.wake()
    outbound = Message.direction == Direction.OUTBOUND

    async def none_pending() -> bool:
        return await count(world, outbound, Message.send_status == SendStatus.PENDING) == 0

    async def all_read() -> bool:
        return await count(world, outbound, Message.send_status == SendStatus.READ) >= total

    await wait_until(none_pending, "every message accepted")
    accepted = time.perf_counter() - started
    errors = await count(world, outbound, Message.send_status == SendStatus.ERROR)
    if errors:
        raise SystemExit(f"{errors} messages ended in Error: the benchmark measures nothing useful")
    await wait_until(all_read, "every message read")
    read = time.perf_counter() - started
    return {
        "messages": total,
        "all_accepted_after_s": round(accepted, 2),
        "accepted_per_second": round(total / accepted, 1),
        "all_read_after_s": round(read, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        drop = None
        if args.postgres:
            drop, url = databases.create_postgres_database("sportello_bench")
            databases.upgrade_database(url)
        else:
            url = databases.copy_sqlite(databases.make_sqlite_template(Path(folder)), Path(folder))
        settings = Settings(
            data_dir=Path(folder) / "data", database_url=url, log_level="WARNING", send_rate_per_second=1000
        )
        try:
            # Other customers write into the window the outbound part uses; nobody reads for the ingest part.
            with running_world(
                settings, number_rate_per_second=10_000, pair_burst=None, read_without_delivered_probability=0.0
            ) as world:
                result = {
                    "database": "postgresql" if args.postgres else "sqlite",
                    "ingest": asyncio.run(bench_ingest(world, args.webhooks, args.concurrency)),
                    "outbound": asyncio.run(bench_outbound(world, args.messages)),
                }
        finally:
            if drop:
                databases.drop_postgres_database(drop)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
