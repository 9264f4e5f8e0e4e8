"""Outbound, measured from outside: messages queued through the REST API (`POST /messages/send/`)
while nothing sends, then the sender started (`sportello serve` with its workers, or with `--multi`
a `sportello worker`) and the Cloud API emulator's own record of what it accepted, with timestamps:
- with Sportello's per-number rate at 1,000/s, how fast the emulator accepts them, against the
  emulator called directly by the same load generator (a second emulator, same settings);
- at the default 80/s, the rate held over a minute (a few seconds with `--quick`);
- each chat's messages reach the emulator in the order they were queued."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import harness
from harness import Row

CUSTOMERS = 50
QUEUE_CONCURRENCY = 10  # each queueing job owns whole chats, so each chat's order is the queue's
DIRECT_CONCURRENCY = 32


def customer_phone(index: int) -> str:
    return f"+39344{index + 1001:07d}"


NOT_PENDING = "SELECT count(*) FROM messages WHERE direction = 'Outbound' AND send_status <> 'Pending'"
ERRORS = "SELECT count(*) FROM messages WHERE direction = 'Outbound' AND send_status = 'Error'"
INBOUND = "SELECT count(*) FROM messages WHERE direction = 'Inbound'"


class Outbound:
    def __init__(self, args: argparse.Namespace, where: harness.Site, stack: harness.Stack) -> None:
        self.args, self.where, self.stack = args, where, stack
        self.seeded = harness.seed(where)
        self.ports = [harness.free_port() for _ in range(2 if args.multi else 1)]
        self.seeded.business.webhook_url = f"http://127.0.0.1:{self.ports[0]}/webhooks/whatsapp"
        self.emulator = ""
        self.web: list[harness.Process] = []
        self.sent_so_far = 0

    def start_web(self, run_workers: bool, **settings: Any) -> None:
        for process in self.web:
            process.stop()
        self.web = [
            self.stack.sportello(
                self.where,
                f"web-{i}-{time.monotonic_ns()}",
                port=port,
                graph_api_base_url=self.emulator,
                run_workers=run_workers,
                **settings,
            )
            for i, port in enumerate(self.ports)
        ]

    def start_sender(self, **settings: Any) -> harness.Process | None:
        """The sender starts with the queue full: in the web process (single), or a worker (multi)."""
        if self.args.multi:
            return self.stack.worker(self.where, f"worker-{time.monotonic_ns()}", graph_api_base_url=self.emulator)
        self.start_web(True, **settings)
        return None

    def stop_sender(self, worker: harness.Process | None) -> None:
        if worker is not None:
            worker.stop()
        else:
            self.start_web(False)

    async def customers_write(self) -> None:
        """Each customer writes first, so their 24-hour window is open on both sides."""
        async with __import__("httpx").AsyncClient(timeout=30) as client:
            for customer in range(CUSTOMERS):
                said = await client.post(
                    f"{self.emulator}/_emulator/say", json={"from": customer_phone(customer), "text": "Ciao"}
                )
                said.raise_for_status()

        async def stored() -> bool:
            return int(await harness.scalar(self.where.database_url, INBOUND)) >= CUSTOMERS

        await harness.wait_until(stored, "the customers' messages stored", within=120)

    async def queue(self, tag: str, total: int) -> tuple[harness.Load, list[float]]:
        """Queues `total` texts through the API, `total / CUSTOMERS` per chat, each chat in order."""
        per_chat = total // CUSTOMERS
        headers = {"X-Spoki-Api-Key": self.seeded.api_key}
        posts: list[float] = []
        urls = [process.url for process in self.web]

        async def job(connection: harness.Connection, customer: int) -> None:
            url = urls[customer % len(urls)]
            for index in range(per_chat):
                body = {"phone": customer_phone(customer), "type": "Message", "text": f"{tag} {customer} {index}"}
                raw = harness.request_bytes("POST", f"{url}/api/1/messages/send/", headers=headers, json_body=body)
                started = time.perf_counter()
                harness.expect(*await connection.request(raw), ok=(200, 201))
                posts.append(time.perf_counter() - started)

        load = await harness.run_load(urls, CUSTOMERS, QUEUE_CONCURRENCY, job)
        self.sent_so_far += len(posts)
        return load, posts

    async def wait_accepted(self, within: float, notes: list[str]) -> None:
        """Until every queued message is accepted or failed; past `within` the figures are of those
        accepted so far (a note says so), so a slow sender still yields its rate."""

        async def done() -> bool:
            return int(await harness.scalar(self.where.database_url, NOT_PENDING)) >= self.sent_so_far

        try:
            await harness.wait_until(done, "every queued message accepted or failed", within=within, interval=0.2)
        except RuntimeError as error:
            notes.append(f"{error}: the figure is of those accepted by then")

    async def accepted(self, tag: str) -> list[tuple[float, str, int]]:
        """(time, customer digits, index in its chat) of every send the emulator accepted for `tag`."""
        async with __import__("httpx").AsyncClient(timeout=60) as client:
            sent = (await client.get(f"{self.emulator}/_emulator/sent")).json()
        found = []
        for entry in sent:
            text = str(((entry.get("body") or {}).get("text") or {}).get("body", ""))
            word, _, rest = text.partition(" ")
            if word == tag:
                found.append((float(entry["at"]), str(entry["to"]), int(rest.split(" ")[1])))
        return sorted(found)


def out_of_order(sends: list[tuple[float, str, int]]) -> int:
    """How many chats got a message before one queued earlier in the same chat."""
    last: dict[str, int] = {}
    broken: set[str] = set()
    for _, to, index in sends:
        if index < last.get(to, -1):
            broken.add(to)
        last[to] = max(index, last.get(to, -1))
    return len(broken)


async def call_emulator_directly(url: str, business: Any, total: int) -> harness.Load:
    headers = {"Authorization": f"Bearer {business.access_token}", "Content-Type": "application/json"}
    path = f"{url}/v23.0/{business.phone_number_id}/messages"

    def request(index: int) -> bytes:
        to = customer_phone(index % CUSTOMERS).lstrip("+")
        body = {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": f"direct {index}"}}
        return harness.request_bytes("POST", path, json.dumps(body).encode(), headers)

    return await harness.run_load([url], total, DIRECT_CONCURRENCY, harness.simple_job(request), warmup=20)


def measure(args: argparse.Namespace, result: harness.Result) -> None:
    # --quick only walks the path: today's sender is far below the rates, and the smoke test waits.
    fast_total = 100 if args.quick else 3000
    hold_seconds: float = 1 if args.quick else 60
    default_rate = 80
    hold_total = 100 if args.quick else int(default_rate * (hold_seconds + 5)) // CUSTOMERS * CUSTOMERS
    suffix = f" [{harness.MULTI}]" if args.multi else ""
    emulator_options = {"number_rate_per_second": 10_000, "pair_burst": None}
    with harness.site(args.multi) as where, harness.processes() as stack:
        bench = Outbound(args, where, stack)
        business = bench.seeded.business
        # The baseline's emulator never calls back (its statuses would land on Sportello).
        quiet = {"sent_delay": 3600, "delivered_delay": 3600, "read_delay": 3600, "auto_read": False}
        direct_config = harness.emulator_config(business, **emulator_options, **quiet)
        direct_emulator = stack.emulator("emulator-direct", direct_config)
        direct = asyncio.run(call_emulator_directly(direct_emulator.url, business, fast_total))
        direct_emulator.stop()  # before Sportello's part, so it does not share the cores
        bench.emulator = stack.emulator("emulator", harness.emulator_config(business, **emulator_options)).url
        # --quick on one process walks the path without the restarts: it queues while it sends.
        walk = args.quick and not args.multi
        bench.start_web(not args.multi, send_rate_per_second=1000)
        worker = stack.worker(where, "worker-customers", graph_api_base_url=bench.emulator) if args.multi else None
        asyncio.run(bench.customers_write())
        if not walk:
            bench.stop_sender(worker)

        queued, posts = asyncio.run(bench.queue("fast", fast_total))
        if not walk:
            worker = bench.start_sender(send_rate_per_second=1000)
        asyncio.run(bench.wait_accepted(120 if args.quick else 600, result.notes))
        fast = asyncio.run(bench.accepted("fast"))
        if not walk:
            bench.stop_sender(worker)
        else:
            bench.start_web(True)

        asyncio.run(bench.queue("hold", hold_total))
        if not walk:
            worker = bench.start_sender()
        asyncio.run(bench.wait_accepted(60 + hold_total / default_rate * 3, result.notes))
        hold = asyncio.run(bench.accepted("hold"))
        errors = int(asyncio.run(harness.scalar(where.database_url, ERRORS)))

    fast_rate = (len(fast) - 1) / (fast[-1][0] - fast[0][0]) if len(fast) > 1 else None
    if args.quick:  # too few to skip the first second: the whole run
        start, hold_seconds = (hold[0][0], max(hold[-1][0] - hold[0][0], 1e-3)) if hold else (0.0, 1.0)
    else:  # a minute, from one second after the first send
        start = hold[0][0] + 1 if hold else 0.0
    in_window = [at for at, _, _ in hold if start <= at <= start + hold_seconds]
    held = (len(in_window) - (1 if args.quick else 0)) / hold_seconds
    busiest = max((sum(1 for b in in_window if a <= b < a + 1) for a in in_window), default=0)
    chats_broken = out_of_order(fast) + out_of_order(hold)
    result.rows += [
        Row(
            f"outbound accepted by the emulator/s (rate 1,000/s){suffix}",
            "/s",
            harness.rounded(fast_rate),
            baseline=f"emulator called directly (c={DIRECT_CONCURRENCY})",
            baseline_value=round(direct.per_second, 1),
            goal="≥ 1,000/s",
            met=fast_rate is not None and fast_rate >= 1000,
        ),
        Row(
            f"outbound rate held at the default 80/s over {hold_seconds:.0f} s{suffix}",
            "/s",
            round(held, 2),
            baseline="configured rate",
            baseline_value=default_rate,
            goal="80/s ± 2 %",
            met=abs(held - default_rate) <= 0.02 * default_rate,
        ),
        Row(
            f"sends queued through the API/s (c={QUEUE_CONCURRENCY}){suffix}",
            "/s",
            round(len(posts) / queued.elapsed, 1),
            **harness.latency_ms(posts),
        ),
        Row(f"chats whose messages went out of order{suffix}", "chats", chats_broken, goal="0", met=chats_broken == 0),
    ]
    result.notes.append(
        f"outbound{suffix}: {fast_total} messages at 1,000/s ({len(fast)} accepted), then {hold_total} at 80/s "
        f"({len(hold)} accepted; the busiest second held {busiest}); {errors} ended in Error; "
        f"{CUSTOMERS} customers; the emulator's statuses (sent, delivered, read) flow back as webhooks."
    )
    for note in (queued.failure_note("queueing"), direct.failure_note("emulator direct")):
        if note:
            result.notes.append(note)


if __name__ == "__main__":
    harness.main("outbound", __doc__, measure)
