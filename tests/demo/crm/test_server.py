"""`sportello demo` serves the demo CRM on port + 1, configured with the demo's own API key and
service users: it lists the demo customers and mints tokens that open frame sessions."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sportello.demo.whatsapp import DEMO_CUSTOMERS
from support.servers import free_port

REPO = Path(__file__).resolve().parents[3]


@dataclass
class RunningDemo:
    sportello_url: str
    crm_url: str
    credentials: dict[str, Any]
    banner: Path


def _three_free_ports() -> int:
    """A port whose next two are free as well: the demo takes port, port + 1 and port + 2."""
    for _ in range(50):
        port = free_port()
        try:
            for offset in (1, 2):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return port
    raise RuntimeError("no three free ports in a row")


def _wait_for(check: Any, timeout: float, what: str, process: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the demo stopped before {what}")
        try:
            result = check()
            if result:
                return result
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    folder = tmp_path_factory.mktemp("demo")
    port = _three_free_ports()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    output = folder / "output.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "sportello", "demo", "--port", str(port), "--data-dir", str(folder / "data")],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        sportello_url, crm_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
        _wait_for(lambda: httpx.get(f"{sportello_url}/readyz", timeout=1).status_code == 200, 60, "ready", process)
        _wait_for(lambda: httpx.get(crm_url, timeout=1).status_code == 200, 30, "the CRM answers", process)
        credentials = json.loads((folder / "data" / "demo-credentials.json").read_text())
        yield RunningDemo(sportello_url, crm_url, credentials, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_banner_shows_where_the_crm_is(demo: RunningDemo) -> None:
    assert f"crm       {demo.crm_url}" in demo.banner.read_text()
    assert demo.credentials["api_key_allowed_origins"] == [demo.crm_url]


def test_the_crm_lists_the_demo_customers_once_they_have_written(demo: RunningDemo) -> None:
    def phones() -> list[str]:
        found = httpx.get(f"{demo.crm_url}/customers", timeout=5).json()["customers"]
        return sorted(c["phone"] for c in found)

    deadline = time.monotonic() + 30
    while len(phones()) < len(DEMO_CUSTOMERS) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert phones() == sorted(number for number, _, _ in DEMO_CUSTOMERS)


def test_the_crm_mints_tokens_for_both_demo_service_users(demo: RunningDemo) -> None:
    page = httpx.get(demo.crm_url).text
    for user in demo.credentials["service_users"]:
        assert f'<option value="{user["uid"]}">{user["name"]} ({user["role"]})</option>' in page
        minted = httpx.post(f"{demo.crm_url}/token", json={"uid": user["uid"]})
        assert minted.status_code == 200, minted.text
        frame = httpx.post(f"{demo.sportello_url}/api/1/auth/exchange/", json=minted.json())
        assert frame.status_code == 200 and frame.json()["user"]["email"] == user["email"]


def test_the_demo_templates_are_approved_and_the_emulator_delivers_them(demo: RunningDemo) -> None:
    api = httpx.Client(base_url=demo.sportello_url, headers={"X-Spoki-Api-Key": demo.credentials["api_key"]})
    with api:
        templates = {(t["name"], t["language"]): t for t in api.get("/api/1/templates/").json()["results"]}
        for key in (("order_ready", "it"), ("thanks_for_visiting", "it"), ("delivery_update", "es")):
            assert templates[key]["status"] == "approved", key
        assert sum(t["subcategory"] == "payment_request" and t["status"] == "approved" for t in templates.values()) == 3
        replies = [r["title"] for r in api.get("/api/1/quick_replies/").json()["results"]]
        assert replies == ["Orari", "Taglie"]
        sent = api.post(
            "/api/1/messages/send/",
            json={
                "phone": DEMO_CUSTOMERS[0][0],
                "type": "Template",
                "template": templates[("order_ready", "it")]["id"],
                "custom_fields": {"NAME": "Giulia", "ORDER": "A-1042"},
            },
        )
        assert sent.status_code == 201, sent.text
        chat_uuid = sent.json()["chat_uuid"]

        def delivered() -> bool:
            newest = api.get(f"/api/1/chats/{chat_uuid}/messages/").json()["results"][0]
            assert newest["send_status"] != "Error", newest
            return newest["send_status"] in ("Delivered", "Read")

        deadline = time.monotonic() + 20
        while not delivered():
            assert time.monotonic() < deadline, "the emulator accepts the template Sportello holds as approved"
            time.sleep(0.2)
