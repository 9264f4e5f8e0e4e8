"""The address per-address limits count: `X-Forwarded-For` is believed only from the proxies in
`SPORTELLO_TRUSTED_PROXIES` (none by default), through `sportello serve` as deployed and in the
app itself."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sportello.credentials.service.api_keys import UNKNOWN_KEY_LIMIT
from sportello.kit.client_address import resolve_client_address
from sportello.settings import Settings
from support.servers import free_port

LOCAL = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")]


def test_the_header_counts_only_from_a_trusted_peer() -> None:
    assert resolve_client_address("127.0.0.1", ["203.0.113.9"], []) == "127.0.0.1"
    assert resolve_client_address("198.51.100.1", ["203.0.113.9"], LOCAL) == "198.51.100.1"
    assert resolve_client_address("127.0.0.1", ["203.0.113.9"], LOCAL) == "203.0.113.9"


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    # The client wrote a made-up first entry; nginx appended the address it saw, then a second proxy.
    forwarded = ["6.6.6.6, 203.0.113.9", "10.1.2.3"]
    assert resolve_client_address("127.0.0.1", forwarded, LOCAL) == "203.0.113.9"
    assert resolve_client_address("127.0.0.1", ["not-an-address, 10.1.2.3"], LOCAL) == "127.0.0.1"
    assert resolve_client_address("127.0.0.1", [], LOCAL) == "127.0.0.1"
    assert resolve_client_address(None, ["203.0.113.9"], LOCAL) == "unknown"


def test_a_bad_trusted_proxy_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies="127.0.0.1, nginx.local")
    assert [str(n) for n in Settings(trusted_proxies="127.0.0.1, ::1, 10.0.0.0/8").trusted_proxy_networks] == [
        "127.0.0.1/32",
        "::1/128",
        "10.0.0.0/8",
    ]


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _serve(tmp_path: Path, database_url: str, trusted_proxies: str) -> Iterator[str]:
    """`sportello serve` in its own process, as an operator runs it."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SPORTELLO_", "FORWARDED_ALLOW_IPS"))},
        "SPORTELLO_DATA_DIR": str(tmp_path / "data"),
        "SPORTELLO_DATABASE_URL": database_url,
        "SPORTELLO_PORT": str(port),
        "SPORTELLO_RUN_WORKERS": "false",
        "SPORTELLO_LOG_FORMAT": "text",
        "SPORTELLO_LOG_LEVEL": "WARNING",
        "SPORTELLO_TRUSTED_PROXIES": trusted_proxies,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sportello", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sportello serve did not start: {process.stderr.read() if process.stderr else ''}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stderr:
            process.stderr.close()


@pytest.fixture
def untrusting_server(tmp_path: Path, database_url: str) -> Iterator[str]:
    yield from _serve(tmp_path, database_url, "")


@pytest.fixture
def server_behind_local_proxy(tmp_path: Path, database_url: str) -> Iterator[str]:
    yield from _serve(tmp_path, database_url, "127.0.0.1")


def _bad_key(client: httpx.Client, forwarded_for: str) -> httpx.Response:
    return client.get("/api/1/contacts/", headers={"X-Spoki-Api-Key": "made-up", "X-Forwarded-For": forwarded_for})


def test_rotating_forwarded_for_from_an_untrusted_peer_still_reaches_429(untrusting_server: str) -> None:
    with httpx.Client(base_url=untrusting_server, timeout=10) as client:
        statuses = [_bad_key(client, f"203.0.113.{i + 1}").status_code for i in range(UNKNOWN_KEY_LIMIT.attempts)]
        assert statuses == [401] * UNKNOWN_KEY_LIMIT.attempts
        throttled = _bad_key(client, "198.51.100.99")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(server_behind_local_proxy: str) -> None:
    with httpx.Client(base_url=server_behind_local_proxy, timeout=10) as client:
        rotating = [_bad_key(client, f"203.0.113.{i + 1}").status_code for i in range(UNKNOWN_KEY_LIMIT.attempts + 1)]
        assert rotating == [401] * (UNKNOWN_KEY_LIMIT.attempts + 1)
        for _ in range(UNKNOWN_KEY_LIMIT.attempts):
            assert _bad_key(client, "198.51.100.1").status_code == 401
        assert _bad_key(client, "198.51.100.1").status_code == 429
        assert _bad_key(client, "198.51.100.2").status_code == 401


async def test_the_app_believes_the_header_only_from_trusted_proxies(tmp_path: Path, database_url: str) -> None:
    from sportello.app import create_app

    def bad_key(forwarded_for: str) -> dict[str, str]:
        return {"X-Spoki-Api-Key": "made-up", "X-Forwarded-For": forwarded_for}

    # (trusted proxies, the status of a new forwarded address once 203.0.113.9 has used up its failures)
    for trusted, other_address in (("", 429), ("127.0.0.1", 401)):
        app = create_app(Settings(data_dir=tmp_path / "data", database_url=database_url, trusted_proxies=trusted))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for _ in range(UNKNOWN_KEY_LIMIT.attempts):
                assert (await client.get("/api/1/contacts/", headers=bad_key("203.0.113.9"))).status_code == 401
            assert (await client.get("/api/1/contacts/", headers=bad_key("203.0.113.9"))).status_code == 429
            other = await client.get("/api/1/contacts/", headers=bad_key("198.51.100.5"))
        assert other.status_code == other_address, trusted
        await app.state.engine.dispose()
