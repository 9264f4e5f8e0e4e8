"""Host events: from Meta's webhook POST to the host page's `chatsChanged` that carries it.

A real `sportello serve` process (SQLite), a host page on another origin in Chromium embedding the
chat list in the guide's 450x600 frame, and webhooks signed as Meta signs them:
- one at a time: POST, then wait for the host to be told (p50 / p95 / p99); the baseline is the
  raw WebSocket event, measured in the same run by a Python client following the page's protocol;
- a steady 10/s and ~100/s of messages: how many reached the host, and how fast.

    python bench/host_events.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import harness

from sportello.accounts.models import Role
from sportello.emulator.config import Business
from sportello.settings import Settings
from support import databases
from support.browser import chromium, frame_of
from support.seeding import Integration, add_service_user_with_key
from support.servers import free_port, running_server
from support.world import connect as connect_number

# The host records when each message first showed in a chatsChanged (as a chat's last message).
HOST_PAGE = """<!doctype html><html><head><title>Host</title></head><body>
<iframe name="frame0" style="width:450px;height:600px;border:0"></iframe>
<script>
window.seen = {};
window.events = 0;
window.addEventListener("message", (event) => {
  if (event.data.eventType !== "chatsChanged") return;
  const at = performance.timeOrigin + performance.now();
  window.events += 1;
  for (const chat of event.data.data.chats) {
    const text = chat.last_message && chat.last_message.text;
    if (text && !(text in window.seen)) window.seen[text] = at;
  }
});
document.querySelector("iframe").src = new URLSearchParams(location.search).get("src");
</script></body></html>"""


def _host_app() -> Starlette:
    async def page(_request: object) -> HTMLResponse:
        return HTMLResponse(HOST_PAGE)

    return Starlette(routes=[Route("/", page)])


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


class Sportello:
    def __init__(self, url: str, business: Business, desk: Integration) -> None:
        self.url, self.business, self.desk = url, business, desk

    def post(self, client: httpx.Client, phone: str, text: str) -> None:
        body = harness.text_webhook(
            self.business, phone=phone, name="Bench", wamid=f"wamid.host{time.time_ns()}", text=text
        )
        answer = client.post(
            f"{self.url}/webhooks/whatsapp",
            content=body,
            headers=harness.webhook_headers(body, self.business.app_secret),
        )
        answer.raise_for_status()

    def mint(self) -> dict[str, str]:
        minted = httpx.post(
            f"{self.url}/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": self.desk.api_key},
            json={"email": self.desk.email, "private_key": self.desk.private_key},
        )
        minted.raise_for_status()
        token: dict[str, str] = minted.json()
        return token


@contextmanager
def sportello_serve(folder: Path, host_origin: str) -> Iterator[Sportello]:
    """`sportello serve` in a process of its own, on a fresh SQLite database with one number."""
    databases.make_sqlite_template(folder)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "SPORTELLO_DATA_DIR": str(folder),
        "SPORTELLO_DATABASE_URL": databases.sqlite_url(folder / "template.db"),
        "SPORTELLO_HOST": "127.0.0.1",
        "SPORTELLO_PORT": str(port),
        "SPORTELLO_LOG_LEVEL": "WARNING",
        # Inbound text needs no call to Meta; nothing answers here.
        "SPORTELLO_GRAPH_API_BASE_URL": "http://127.0.0.1:9",
    }
    settings = Settings(
        data_dir=folder,
        database_url=env["SPORTELLO_DATABASE_URL"],
        graph_api_base_url=env["SPORTELLO_GRAPH_API_BASE_URL"],
    )
    business = Business(webhook_url=f"http://127.0.0.1:{port}/webhooks/whatsapp")
    account_id, _ = connect_number(settings, business)
    desk = add_service_user_with_key(
        settings, account_id, role=Role.CHAT_MANAGER, name="Bench", allowed_origins=[host_origin]
    )
    process = subprocess.Popen(
        [sys.executable, "-c", "from sportello.cli import app; app()", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("sportello serve did not start")
            time.sleep(0.1)
        yield Sportello(url, business, desk)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


async def raw_socket_ms(sportello: Sportello, rounds: int) -> list[float]:
    """Webhook POST → the event on a WebSocket held by a Python client speaking the page's protocol."""
    token = sportello.mint()
    async with httpx.AsyncClient(base_url=sportello.url) as client:
        opened = await client.post("/api/1/auth/exchange/", json={"token": token["token"], "uid": token["uid"]})
        session = opened.json()["session"]
        latencies: list[float] = []
        ws_url = sportello.url.replace("http://", "ws://") + "/web/live/"
        async with connect(ws_url, origin=sportello.url) as socket:  # type: ignore[arg-type]
            await socket.send(json.dumps({"type": "hello", "session": session, "after": None}))
            assert json.loads(await socket.recv())["type"] == "ready"
            for index in range(rounds):
                body = harness.text_webhook(
                    sportello.business,
                    phone="393330000009",
                    name="Bench",
                    wamid=f"wamid.host{time.time_ns()}",
                    text=f"raw {index}",
                )
                started = time.perf_counter()
                answer = await client.post(
                    "/webhooks/whatsapp",
                    content=body,
                    headers=harness.webhook_headers(body, sportello.business.app_secret),
                )
                answer.raise_for_status()
                while True:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 15))
                    if message["type"] == "events" and any(e["kind"] == "message" for e in message["events"]):
                        break
                latencies.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.05)
    return latencies


def seen_at(page: Any, text: str) -> float | None:
    value = page.evaluate("(text) => window.seen[text] ?? null", text)
    return float(value) if value is not None else None


def one_at_a_time(page: Any, sportello: Sportello, rounds: int) -> list[float]:
    latencies: list[float] = []
    with httpx.Client() as client:
        for index in range(rounds):
            text = f"one {index}"
            started = time.time() * 1000
            sportello.post(client, "393330000001", text)
            page.wait_for_function("(text) => text in window.seen", arg=text, timeout=10_000)
            at = seen_at(page, text)
            assert at is not None
            latencies.append(at - started)
            page.wait_for_timeout(50)
    return latencies


def at_rate(
    page: Any, sportello: Sportello, rate: float, count: int, label: str, settle_ms: int
) -> tuple[int, list[float]]:
    sent: dict[str, float] = {}
    with httpx.Client() as client:
        start = time.monotonic()
        for index in range(count):
            time.sleep(max(0.0, start + index / rate - time.monotonic()))
            text = f"{label} {index}"
            sent[text] = time.time() * 1000
            sportello.post(client, "393330000002", text)
    page.wait_for_timeout(settle_ms)
    latencies = [at - sent[text] for text in sent if (at := seen_at(page, text)) is not None]
    return len(latencies), latencies


def row(
    figure: str,
    values: list[float] | None,
    *,
    value: float | None,
    unit: str,
    baseline: str,
    baseline_value: float | None,
    goal: str,
    met: bool | None,
) -> dict[str, Any]:
    p50 = percentile(values, 0.5) if values else None
    return {
        "figure": figure,
        "p50": p50,
        "p95": percentile(values, 0.95) if values else None,
        "p99": percentile(values, 0.99) if values else None,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_value": baseline_value,
        "ratio": round(p50 / baseline_value, 2) if p50 is not None and baseline_value else None,
        "goal": goal,
        "met": met,
    }


def run(quick: bool) -> dict[str, Any]:
    rounds, count = (8, 20) if quick else (100, 100)
    settle = 1000 if quick else 3000
    host_port = free_port()
    host = f"http://localhost:{host_port}"
    notes: list[str] = [
        f"{os.cpu_count()} cores, SQLite, one `sportello serve` process; host page on {host} (another site) "
        "in Chromium, chat list in a 450x600 frame; webhooks signed with the app secret as Meta signs them.",
        "Host time: performance.timeOrigin + now() at the chatsChanged that first carries the message as its "
        "chat's last message; webhook time: just before the POST (same machine clock).",
    ]
    with (
        tempfile.TemporaryDirectory() as folder,
        running_server(_host_app(), port=host_port),
        sportello_serve(Path(folder), host) as sportello,
    ):
        raw = asyncio.run(raw_socket_ms(sportello, rounds))
        raw_p50 = percentile(raw, 0.5)
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 800, "height": 700})
            token = sportello.mint()
            src = f"{sportello.url}/chats?auth_token={token['token']}&auth_uid={token['uid']}&language=en"
            page.goto(f"{host}/?src={quote(src)}")
            frame = frame_of(page)
            frame.wait_for_selector('#live-state[data-state="live"]', timeout=15_000)
            page.wait_for_function("window.events > 0", timeout=15_000)
            single = one_at_a_time(page, sportello, rounds)
            slow_reached, slow = at_rate(page, sportello, 10, count, "ten", settle)
            fast_reached, fast = at_rate(page, sportello, 100, count, "hundred", settle)
            events = page.evaluate("window.events")
    single_p50, single_p99 = percentile(single, 0.5), percentile(single, 0.99)
    rows = [
        row(
            "raw WebSocket event (Python client), one at a time",
            raw,
            value=None,
            unit="ms",
            baseline="—",
            baseline_value=None,
            goal="baseline",
            met=None,
        ),
        row(
            "webhook → host chatsChanged carrying it, one at a time",
            single,
            value=None,
            unit="ms",
            baseline="raw WebSocket event, same run (p50)",
            baseline_value=raw_p50,
            goal="p50 ≤ 15 ms, p99 ≤ 40 ms",
            met=single_p50 is not None and single_p99 is not None and single_p50 <= 15 and single_p99 <= 40,
        ),
    ]
    for rate, reached, values in ((10, slow_reached, slow), (100, fast_reached, fast)):
        p99 = percentile(values, 0.99)
        rows.append(
            row(
                f"at {rate}/s, {count} messages: reached the host",
                values,
                value=reached,
                unit=f"of {count}",
                baseline="raw WebSocket event, same run (p50)",
                baseline_value=raw_p50,
                goal=f"{count} of {count}, p99 ≤ 60 ms",
                met=reached == count and p99 is not None and p99 <= 60,
            )
        )
    notes.append(f"{events} chatsChanged events in all.")
    if quick:
        notes.append(f"--quick: {rounds} rounds one at a time, {count} messages per rate.")
    return {"name": "host_events", "rows": rows, "notes": notes}


def table(result: dict[str, Any]) -> str:
    lines = [
        "| figure | p50 | p95 | p99 | value | baseline | ratio | goal | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        value = f"{r['value']} {r['unit']}" if r["value"] is not None else r["unit"]
        baseline = f"{r['baseline']}: {r['baseline_value']}" if r["baseline_value"] is not None else r["baseline"]
        lines.append(
            f"| {r['figure']} | {r['p50']} | {r['p95']} | {r['p99']} | {value} | {baseline} | "
            f"{r['ratio']} | {r['goal']} | {r['met']} |"
        )
    return "\n".join(lines + [""] + [f"- {note}" for note in result["notes"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run of under 20 s")
    parser.add_argument("--json", type=Path, help="where to write the result")
    args = parser.parse_args()
    result = run(args.quick)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))


if __name__ == "__main__":
    main()
