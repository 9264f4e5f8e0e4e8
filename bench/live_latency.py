"""Live latency: from Meta's webhook POST to the event on a page's WebSocket, which is what the
host page's `chatMessagesChanged` waits for (the page then fetches the message).

Three paths, measured in the same run against the same database:
- in-process: the webhook lands on the web process that holds the WebSocket (the default setup);
- Redis: it lands on process A, the WebSocket is held by process B, both on one Redis;
- baseline, no bus: the WebSocket is on a process that nobody tells, so only its 5-second look
  finds the event (what a lost notice costs).
"""

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
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sportello.accounts.models import Role
from sportello.app import create_app
from sportello.settings import Settings
from sportello.whatsapp.signature import sign
from support import databases
from support.seeding import add_service_user_with_key
from support.servers import running_server
from support.world import World, running_world

REDIS = "redis://127.0.0.1:6379/0"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(percentile(values, 0.95) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2),
    }


def webhook(world: World, index: int) -> bytes:
    business = world.business
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": business.display_phone_number,
            "phone_number_id": business.phone_number_id,
        },
        "contacts": [{"profile": {"name": "Bench"}, "wa_id": "393330000001"}],
        "messages": [
            {
                "from": "393330000001",
                "id": f"wamid.live{index}.{time.time_ns()}",
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": f"hello {index}"},
            }
        ],
    }
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": business.waba_id, "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(envelope).encode()


async def frame_session(base_url: str, who: Any) -> str:
    async with httpx.AsyncClient(base_url=base_url) as client:
        token = (
            await client.post(
                "/api/1/auth/get_authentication_token/",
                headers={"X-Spoki-Api-Key": who.api_key},
                json={"email": who.email, "private_key": who.private_key},
            )
        ).json()
        opened = await client.post("/api/1/auth/exchange/", json={"token": token["token"], "uid": token["uid"]})
        return str(opened.json()["session"])


async def measure(world: World, listen_url: str, session: str, rounds: int) -> list[float]:
    latencies: list[float] = []
    ws_url = listen_url.replace("http://", "ws://") + "/web/live/"
    async with connect(ws_url, origin=listen_url) as socket, httpx.AsyncClient() as client:  # type: ignore[arg-type]
        await socket.send(json.dumps({"type": "hello", "session": session, "after": None}))
        assert json.loads(await socket.recv())["type"] == "ready"
        for index in range(rounds):
            body = webhook(world, index)
            started = time.perf_counter()
            answer = await client.post(
                f"{world.sportello_url}/webhooks/whatsapp",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": sign(body, world.business.app_secret),
                },
            )
            answer.raise_for_status()
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 15))
                if message["type"] == "events" and any(e["kind"] == "message" for e in message["events"]):
                    break
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--baseline-rounds", type=int, default=6, help="each waits for the 5 s look")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        databases.make_sqlite_template(data)
        settings = Settings(
            data_dir=data,
            database_url=databases.sqlite_url(data / "template.db"),
            log_format="text",
            log_level="WARNING",
        )
        with running_world(settings.model_copy(update={"redis_url": REDIS})) as world:
            desk = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Bench")
            session = asyncio.run(frame_session(world.sportello_url, desk))
            in_process = asyncio.run(measure(world, world.sportello_url, session, args.rounds))
            second = create_app(world.settings.model_copy(update={"run_workers": False}))
            with running_server(second) as second_url:
                through_redis = asyncio.run(measure(world, second_url, session, args.rounds))
            lonely = create_app(world.settings.model_copy(update={"run_workers": False, "redis_url": None}))
            with running_server(lonely) as lonely_url:
                no_bus = asyncio.run(measure(world, lonely_url, session, args.baseline_rounds))
    result = {
        "what": "webhook POST sent → live event received on a page's WebSocket (SQLite, 2 cores)",
        "in_process": summary(in_process),
        "through_redis": summary(through_redis),
        "baseline_no_bus": summary(no_bus),
        "speedup_in_process_vs_baseline": round(statistics.median(no_bus) / statistics.median(in_process), 1),
        "speedup_redis_vs_baseline": round(statistics.median(no_bus) / statistics.median(through_redis), 1),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
