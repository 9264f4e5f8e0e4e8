"""Webhook ingest, measured from outside: signed message webhooks POSTed as Meta sends them, at
concurrency 32, answered by `sportello serve` (workers inside) against a bare FastAPI endpoint that
only reads the body and checks the HMAC (its own uvicorn, same load generator); then the time until
every webhook is a stored message, and how many never became one."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import harness
from harness import Row

CONCURRENCY = 32
CUSTOMERS = 50


def signed_requests(urls: list[str], business: Any, total: int, run: str) -> list[bytes]:
    requests = []
    for index in range(total):
        phone = f"3933300{index % CUSTOMERS:05d}"
        body = harness.text_webhook(
            business,
            phone=phone,
            name=f"Bench {index % CUSTOMERS}",
            wamid=f"wamid.bench.{run}.{index}",
            text=f"hello {index}",
        )
        headers = harness.webhook_headers(body, business.app_secret)
        url = urls[index % len(urls)]
        requests.append(harness.request_bytes("POST", f"{url}/webhooks/whatsapp", body, headers))
    return requests


INBOUND = "SELECT count(*) FROM messages WHERE direction = 'Inbound'"
DISTINCT = "SELECT count(DISTINCT meta_id) FROM messages WHERE direction = 'Inbound'"


def measure(args: argparse.Namespace, result: harness.Result) -> None:
    total = 200 if args.quick else 3000
    setup = harness.MULTI if args.multi else harness.SINGLE
    suffix = f" [{setup}]" if args.multi else ""
    with harness.site(args.multi) as where, harness.processes() as stack:
        seeded = harness.seed(where)
        business = seeded.business
        web_ports = [harness.free_port() for _ in range(2 if args.multi else 1)]
        business.webhook_url = f"http://127.0.0.1:{web_ports[0]}/webhooks/whatsapp"
        emulator = stack.emulator("emulator", harness.emulator_config(business), wait=False)
        bares = [stack.bare_webhook(f"bare-{i}", business.app_secret, wait=False) for i in range(len(web_ports))]
        emulator_url = emulator.url
        webs = [
            stack.sportello(
                where, f"web-{i}", port=port, graph_api_base_url=emulator_url, run_workers=not args.multi, wait=False
            )
            for i, port in enumerate(web_ports)
        ]
        harness.ready(emulator, *bares, *webs)
        bare, urls = [p.url for p in bares], [p.url for p in webs]
        if args.multi:
            stack.worker(where, "worker", graph_api_base_url=emulator_url)

        bare_requests = signed_requests(bare, business, total, "bare")
        bare_load = asyncio.run(
            harness.run_load(bare, total, CONCURRENCY, harness.simple_job(bare_requests.__getitem__), warmup=50)
        )
        # Sportello's warm-up webhooks are stored too, under ids of their own.
        warm = signed_requests(urls, business, 50, "warm")
        asyncio.run(harness.run_load(urls, 50, CONCURRENCY, harness.simple_job(warm.__getitem__)))

        async def stored_warmup() -> bool:
            return int(await harness.scalar(where.database_url, INBOUND)) >= 50

        asyncio.run(harness.wait_until(stored_warmup, "the warm-up webhooks stored", within=120))

        requests = signed_requests(urls, business, total, "run")

        async def ingest() -> tuple[harness.Load, float, float]:
            started = time.perf_counter()
            load = await harness.run_load(urls, total, CONCURRENCY, harness.simple_job(requests.__getitem__))

            async def all_stored() -> bool:
                return int(await harness.scalar(where.database_url, INBOUND)) >= 50 + total

            limit = 60 if args.quick else 600
            try:
                done = await harness.wait_until(all_stored, "every webhook stored as a message", within=limit)
            except RuntimeError as error:
                result.notes.append(str(error))
                done = float("nan")
            return load, started, done

        load, started, done = asyncio.run(ingest())
        stored = int(asyncio.run(harness.scalar(where.database_url, INBOUND))) - 50
        distinct = int(asyncio.run(harness.scalar(where.database_url, DISTINCT))) - 50

    ratio = load.per_second / bare_load.per_second if bare_load.per_second else None
    timing = harness.latency_ms(load.durations)
    bare_timing = harness.latency_ms(bare_load.durations)
    processed = total / (done - started) if done == done else None
    result.rows += [
        Row(
            f"signed webhooks answered/s (c={CONCURRENCY}){suffix}",
            "/s",
            round(load.per_second, 1),
            **timing,
            baseline="bare FastAPI endpoint, body + HMAC",
            baseline_value=round(bare_load.per_second, 1),
            goal="≥ 40 % of bare",
            met=ratio is not None and ratio >= 0.4,
        ),
        Row(
            f"signed webhook answer p99 (c={CONCURRENCY}){suffix}",
            "ms",
            timing["p99"],
            baseline="bare endpoint p99",
            baseline_value=bare_timing["p99"],
            goal="≤ 50 ms",
            met=timing["p99"] is not None and timing["p99"] <= 50,
        ),
        Row(
            f"webhooks processed into messages/s{suffix}",
            "/s",
            harness.rounded(processed),
            goal="≥ 1,000/s",
            met=processed is not None and processed >= 1000,
        ),
        Row(
            f"webhooks lost (of {total}){suffix}",
            "webhooks",
            total - distinct,
            goal="0",
            met=total - distinct == 0,
        ),
    ]
    result.notes.append(
        f"ingest{suffix}: {total} webhooks at concurrency {CONCURRENCY}, {CUSTOMERS} customers; the last stored "
        f"{(done - started):.2f} s after the first was sent; {stored} stored, {stored - distinct} duplicates."
    )
    for note in (load.failure_note("Sportello"), bare_load.failure_note("bare endpoint")):
        if note:
            result.notes.append(note)


if __name__ == "__main__":
    harness.main("ingest", __doc__, measure)
