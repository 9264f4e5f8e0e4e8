"""Live fan-out, measured from outside: many pages of one account hold the live socket (a Python
client speaking the page's protocol: hello, ready, events), one signed webhook comes in, and the
time until the *last* of them has the message is taken, round after round. Baseline: one page.

Also: the server's CPU while every socket is idle (no traffic at all), its memory per idle
socket (RSS growth over the sockets), and a page that was away for 100 events coming back: the
time until it has all of them (one frame, in order, none missing).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import time
from pathlib import Path

import harness
import httpx
from harness import Row
from live_latency import frame_session
from websockets.asyncio.client import ClientConnection, connect

PHONE = "393330000777"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _webhook(seeded: harness.Seeded, marker: str) -> tuple[bytes, dict[str, str]]:
    body = harness.text_webhook(
        seeded.business, phone=PHONE, name="Fan-out", wamid=f"wamid.fanout.{marker}", text=f"fanout {marker}"
    )
    return body, harness.webhook_headers(body, seeded.business.app_secret)


async def _open(url: str, session: str, after: int | None = None) -> tuple[ClientConnection, dict[str, object]]:
    ws_url = url.replace("http://", "ws://") + "/web/live/"
    socket = await connect(ws_url, additional_headers={"Origin": url}, ping_interval=None, max_queue=None)
    await socket.send(json.dumps({"type": "hello", "session": session, "after": after}))
    ready = json.loads(await asyncio.wait_for(socket.recv(), 60))
    if ready.get("type") != "ready":
        raise RuntimeError(f"the live socket answered {ready}")
    return socket, ready


class _Round:
    """What every socket's reader looks for this round, and when each saw it."""

    def __init__(self) -> None:
        self.marker = "\0"
        self.heard: list[float] = []
        self.all_heard = asyncio.Event()
        self.expected = 0


async def _read(socket: ClientConnection, state: _Round) -> None:
    # One reader a socket for the whole run, as a page has: a round costs no task of its own.
    with contextlib.suppress(Exception):
        async for frame in socket:
            if state.marker in str(frame):
                state.heard.append(time.perf_counter())
                if len(state.heard) >= state.expected:
                    state.all_heard.set()


async def fan_out(
    url: str, pid: int, session: str, seeded: harness.Seeded, count: int, rounds: int
) -> dict[str, float]:
    """The last-socket latency of each round (s), with the idle CPU and the RSS per socket."""
    rss_before = _rss_kib(pid)
    sockets: list[ClientConnection] = []
    # A few at a time, as pages open: a burst of thousands would measure its own peak, not sockets.
    for start in range(0, count, 50):
        opened = await asyncio.gather(*(_open(url, session) for _ in range(min(50, count - start))))
        sockets.extend(socket for socket, _ in opened)
    await asyncio.sleep(2)
    rss_after = _rss_kib(pid)
    cpu_before, idle_started = _cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(10)
    idle_cpu = (_cpu_seconds(pid) - cpu_before) / (time.perf_counter() - idle_started)
    latencies: list[float] = []
    state = _Round()
    state.expected = len(sockets)
    readers = [asyncio.create_task(_read(socket, state)) for socket in sockets]
    async with httpx.AsyncClient(timeout=30) as client:
        for index in range(rounds):
            marker = f"{count}.{index}.{time.time_ns()}"
            body, headers = _webhook(seeded, marker)
            state.heard, state.marker = [], marker
            state.all_heard.clear()
            started = time.perf_counter()
            (await client.post(f"{url}/webhooks/whatsapp", content=body, headers=headers)).raise_for_status()
            await asyncio.wait_for(state.all_heard.wait(), 120)
            latencies.append(max(state.heard) - started)
            await asyncio.sleep(0.3)
    await asyncio.gather(*(socket.close() for socket in sockets))
    await asyncio.gather(*readers)
    return {
        "latencies": latencies,  # type: ignore[dict-item]
        "idle_cpu": idle_cpu,
        "rss_per_socket_kib": (rss_after - rss_before) / count,
    }


async def reconnect(url: str, session: str, seeded: harness.Seeded) -> tuple[float, int, bool]:
    """A page away while 50 webhooks (100 events: each message and its chat) came: the time from
    its hello until it has them all, how many it got, and whether in order with none missing."""
    socket, ready = await _open(url, session)
    last = int(ready["last_event_id"])  # type: ignore[call-overload]
    await socket.close()
    async with httpx.AsyncClient(timeout=30) as client:
        for index in range(50):
            body, headers = _webhook(seeded, f"away.{index}.{time.time_ns()}")
            (await client.post(f"{url}/webhooks/whatsapp", content=body, headers=headers)).raise_for_status()
    # Until all 50 are processed: the log has 100 more events.
    for _ in range(600):
        probe, probe_ready = await _open(url, session)
        await probe.close()
        if int(probe_ready["last_event_id"]) >= last + 100:  # type: ignore[call-overload]
            break
        await asyncio.sleep(0.1)
    started = time.perf_counter()
    socket, _ = await _open(url, session, after=last)
    missed = json.loads(await asyncio.wait_for(socket.recv(), 30))
    elapsed = time.perf_counter() - started
    await socket.close()
    ids = [event["id"] for event in missed.get("events", [])]
    return elapsed, len(ids), ids[:100] == list(range(last + 1, last + 101))


def measure(args: argparse.Namespace, result: harness.Result) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it
    counts = (
        [200] if args.quick else [int(n) for n in os.environ.get("SPORTELLO_BENCH_FANOUT", "1000,10000").split(",")]
    )
    rounds = 3 if args.quick else 10
    with harness.site(False) as where, harness.processes() as stack:
        seeded = harness.seed(where)
        # The product's own polling intervals (the other benchmarks shorten them): idle means idle.
        server = stack.sportello(where, "web", send_poll_seconds=None, webhook_poll_seconds=None)
        pid = server.popen.pid
        session = asyncio.run(frame_session(server.url, seeded))
        one = asyncio.run(fan_out(server.url, pid, session, seeded, 1, rounds))
        base = harness.latency_ms(one["latencies"])  # type: ignore[arg-type]
        idle_base = round(100 * one["idle_cpu"], 2)
        for count in counts:
            many = asyncio.run(fan_out(server.url, pid, session, seeded, count, rounds))
            timing = harness.latency_ms(many["latencies"])  # type: ignore[arg-type]
            result.rows.append(
                Row(
                    f"webhook → the last of {count:,} sockets has it",
                    "ms (p99)",
                    timing["p99"],
                    **timing,
                    baseline="one socket (p99)",
                    baseline_value=base["p99"],
                    goal="≤ 200 ms",
                    met=timing["p99"] <= 200,
                )
            )
            result.rows.append(
                Row(
                    f"server CPU with {count:,} idle sockets",
                    "% of a core",
                    round(100 * many["idle_cpu"], 2),
                    baseline="one socket",
                    baseline_value=idle_base,
                    goal="< 5 %" if count >= 10000 else "",
                    met=(100 * many["idle_cpu"] < 5) if count >= 10000 else None,
                )
            )
            result.rows.append(
                Row(
                    f"server RSS per idle socket ({count:,} sockets)",
                    "KiB",
                    round(many["rss_per_socket_kib"], 1),
                    goal="≤ 20 KB",
                    met=many["rss_per_socket_kib"] * 1.024 <= 20,
                )
            )
        elapsed, got, in_order = asyncio.run(reconnect(server.url, session, seeded))
        result.rows.append(
            Row(
                "a page away for 100 events: hello → all of them",
                "ms",
                round(1000 * elapsed, 1),
                goal="one round trip, in order, none missed",
                met=got >= 100 and in_order,
            )
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    result.notes.append(
        f"live fan-out: {rounds} rounds per socket count, one process (SQLite, workers inside); the client "
        "runs on the same 2 cores, so its own receiving is inside the figures."
    )


if __name__ == "__main__":
    harness.main("live_fanout", __doc__, measure)
