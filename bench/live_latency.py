"""Live latency, measured from outside: from Meta's webhook POST to the live event about it on a
page's WebSocket (what the host page's `chatMessagesChanged` waits for), one webhook at a time.

Two paths against the same database, each a real `sportello serve`:
- same process: the webhook lands on the process that holds the WebSocket (workers inside);
- through Redis: it lands on process A, the WebSocket is held by process B, both on one Redis.

The baseline is the webhook's own round trip (its 200, which means stored), measured on the same
rounds: the event cannot reach a page before it, so the ratio shows what processing and the fan-out
add on top of ingest. Sockets no longer look at the database on a timer, so a process that no bus
tells never hears of the event at all; that is no baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import harness
import httpx
from harness import Row
from websockets.asyncio.client import connect


async def frame_session(url: str, seeded: harness.Seeded) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        minted = await client.post(
            "/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": seeded.api_key},
            json={"email": seeded.email, "private_key": seeded.private_key},
        )
        token = minted.raise_for_status().json()
        opened = await client.post("/api/1/auth/exchange/", json={"token": token["token"], "uid": token["uid"]})
        return str(opened.raise_for_status().json()["session"])


def about_a_message(frame: str | bytes) -> bool:
    """Whether a frame the socket received tells of a message (whatever else the event carries)."""
    text = frame if isinstance(frame, str) else frame.decode()
    data = json.loads(text)
    return isinstance(data, dict) and data.get("type") not in ("ready", "pong") and "message" in text.lower()


async def measure_path(
    post_url: str, listen_url: str, session: str, seeded: harness.Seeded, rounds: int
) -> tuple[list[float], list[float]]:
    """Each round's seconds from the webhook POST to its live event, and to its 200."""
    latencies: list[float] = []
    answered: list[float] = []
    ws_url = listen_url.replace("http://", "ws://") + "/web/live/"
    headers = {"Origin": listen_url}
    async with connect(ws_url, additional_headers=headers) as socket, httpx.AsyncClient(timeout=30) as client:
        await socket.send(json.dumps({"type": "hello", "session": session, "after": None}))
        ready = json.loads(await asyncio.wait_for(socket.recv(), 15))
        if ready.get("type") != "ready":
            raise RuntimeError(f"the live socket answered {ready}")
        for index in range(rounds):
            body = harness.text_webhook(
                seeded.business,
                phone="393330000001",
                name="Bench",
                wamid=f"wamid.live.{index}.{time.time_ns()}",
                text=f"hello {index}",
            )
            started = time.perf_counter()
            answer = await client.post(
                f"{post_url}/webhooks/whatsapp",
                content=body,
                headers=harness.webhook_headers(body, seeded.business.app_secret),
            )
            answer.raise_for_status()
            answered.append(time.perf_counter() - started)
            while not about_a_message(await asyncio.wait_for(socket.recv(), 30)):
                pass
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return latencies, answered


def measure(args: argparse.Namespace, result: harness.Result) -> None:
    rounds = 10 if args.quick else 100
    suffix = f" [{harness.MULTI}]" if args.multi else ""
    with harness.site(args.multi) as where, harness.processes() as stack:
        seeded = harness.seed(where)
        holder = stack.sportello(where, "web-a", redis_url=harness.REDIS_URL, wait=False)
        second = stack.sportello(where, "web-b", redis_url=harness.REDIS_URL, run_workers=False, wait=False)
        harness.ready(holder, second)
        session = asyncio.run(frame_session(holder.url, seeded))
        same = asyncio.run(measure_path(holder.url, holder.url, session, seeded, rounds))
        redis = asyncio.run(measure_path(holder.url, second.url, session, seeded, rounds))

    for label, (values, answered) in (("same process", same), ("through Redis", redis)):
        timing = harness.latency_ms(values)
        base = harness.latency_ms(answered)
        result.rows.append(
            Row(
                f"webhook → live event on the page's socket, {label}{suffix}",
                "ms (p50)",
                timing["p50"],
                **timing,
                baseline="the webhook's own 200, same rounds",
                baseline_value=base["p50"],
            )
        )
    result.notes.append(
        f"live latency{suffix}: {rounds} webhooks one at a time per path; the baseline is each webhook's 200."
    )


if __name__ == "__main__":
    harness.main("live_latency", __doc__, measure)
