"""The token handshake, measured from outside: tokens minted (`POST /auth/get_authentication_token/`
with an API key, an email and a private key) at concurrency 16, against `/healthz` of the same
server with the same load generator; and tokens minted then exchanged for a frame session
(`POST /auth/exchange/`), as each iframe that opens does."""

from __future__ import annotations

import argparse
import asyncio
import json

import harness
from harness import Row

CONCURRENCY = 16


def measure(args: argparse.Namespace, result: harness.Result) -> None:
    total = 300 if args.quick else 3000
    suffix = f" [{harness.MULTI}]" if args.multi else ""
    with harness.site(args.multi) as where, harness.processes() as stack:
        seeded = harness.seed(where)
        webs = [stack.sportello(where, f"web-{i}", wait=False) for i in range(2 if args.multi else 1)]
        harness.ready(*webs)
        urls = [web.url for web in webs]
        if args.multi:
            stack.worker(where, "worker")
        mint_body = json.dumps({"email": seeded.email, "private_key": seeded.private_key}).encode()
        mint_headers = {"Content-Type": "application/json", "X-Spoki-Api-Key": seeded.api_key}

        def healthz(index: int) -> bytes:
            return harness.request_bytes("GET", f"{urls[index % len(urls)]}/healthz")

        def mint(index: int) -> bytes:
            url = urls[index % len(urls)]
            return harness.request_bytes("POST", f"{url}/api/1/auth/get_authentication_token/", mint_body, mint_headers)

        async def mint_and_exchange(connection: harness.Connection, index: int) -> None:
            url = urls[index % len(urls)]
            token = json.loads(harness.expect(*await connection.request(mint(index))))
            exchange = {"token": token["token"], "uid": token["uid"]}
            raw = harness.request_bytes("POST", f"{url}/api/1/auth/exchange/", json_body=exchange)
            harness.expect(*await connection.request(raw))

        health = asyncio.run(harness.run_load(urls, total, CONCURRENCY, harness.simple_job(healthz), warmup=50))
        minted = asyncio.run(harness.run_load(urls, total, CONCURRENCY, harness.simple_job(mint), warmup=20))
        opened = asyncio.run(harness.run_load(urls, total // 2, CONCURRENCY, mint_and_exchange, warmup=10))

    result.rows += [
        Row(
            f"tokens minted/s (c={CONCURRENCY}){suffix}",
            "/s",
            round(minted.per_second, 1),
            **harness.latency_ms(minted.durations),
            baseline="/healthz of the same server",
            baseline_value=round(health.per_second, 1),
            goal="≥ 1,000/s",
            met=minted.per_second >= 1000,
        ),
        Row(
            f"tokens minted and exchanged/s (c={CONCURRENCY}){suffix}",
            "/s",
            round(opened.per_second, 1),
            **harness.latency_ms(opened.durations),
            baseline="/healthz of the same server",
            baseline_value=round(health.per_second, 1),
            goal="≥ 500/s",
            met=opened.per_second >= 500,
        ),
    ]
    result.notes.append(
        f"handshake{suffix}: {total} tokens minted, {total // 2} minted and exchanged, at concurrency "
        f"{CONCURRENCY}; /healthz p50 {harness.latency_ms(health.durations)['p50']} ms."
    )
    for load, what in ((minted, "minting"), (opened, "minting and exchanging"), (health, "/healthz")):
        note = load.failure_note(what)
        if note:
            result.notes.append(note)


if __name__ == "__main__":
    harness.main("handshake", __doc__, measure)
