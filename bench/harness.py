"""What every benchmark shares: the result row, percentiles, the processes it measures (a real
`sportello serve`, `sportello worker`, the Cloud API emulator, a bare endpoint), a lean HTTP/1.1
load generator, and the JSON and markdown writers.

The contract of a benchmark script (`bench/<name>.py`; `scripts/bench.sh` runs every one):
- accepts `--quick` (tiny scale, a few seconds), `--json PATH` (where to write its result) and
  optionally `--multi` (2 web processes + PostgreSQL + Redis instead of one process on SQLite);
  a script without `--multi` exits with argparse's status 2 and is simply not run that way;
- writes `{"name", "rows": [Row…], "notes": [str]}` to PATH and prints its markdown table.
In a row, `p50`/`p95`/`p99` are always milliseconds; `value` is in `unit`;
`ratio` is `value / baseline_value` (so below 1 is better for a latency, above 1 for a rate).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
MULTI = "2 web + PostgreSQL + Redis"
SINGLE = "1 process, SQLite"


# --- Meta's webhooks ------------------------------------------------------------------------------


def text_webhook(business: Any, *, phone: str, name: str, wamid: str, text: str) -> bytes:
    """The body Meta posts when a customer writes `text`, to the number of `business`."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": business.display_phone_number,
            "phone_number_id": business.phone_number_id,
        },
        "contacts": [{"profile": {"name": name}, "wa_id": phone}],
        "messages": [
            {
                "from": phone,
                "id": wamid,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": business.waba_id, "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def webhook_headers(body: bytes, app_secret: str) -> dict[str, str]:
    """Meta's headers for `body`: signed with the app secret as Meta signs."""
    from sportello.whatsapp.signature import sign

    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, app_secret)}


# --- results -------------------------------------------------------------------------------------


@dataclass
class Row:
    figure: str
    unit: str
    value: float | None = None
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    baseline: str = ""
    baseline_value: float | None = None
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None

    def __post_init__(self) -> None:
        if self.ratio is None and self.value is not None and self.baseline_value:
            self.ratio = round(self.value / self.baseline_value, 3)


@dataclass
class Result:
    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "rows": [asdict(row) for row in self.rows], "notes": self.notes}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (`q` in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))]


class Latency(TypedDict):
    p50: float | None
    p95: float | None
    p99: float | None


def latency_ms(seconds: Sequence[float]) -> Latency:
    """p50/p95/p99 in milliseconds of durations in seconds, for `Row(**latency_ms(…))`."""
    if not seconds:
        return Latency(p50=None, p95=None, p99=None)
    p50, p95, p99 = (round(percentile(seconds, q) * 1000, 2) for q in (0.5, 0.95, 0.99))
    return Latency(p50=p50, p95=p95, p99=p99)


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


TABLE_HEADER = (
    "| figure | value | p50 ms | p95 ms | p99 ms | baseline | ratio | goal | met |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def table_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
    lines = [TABLE_HEADER]
    for row in rows:
        value = f"{_cell(row.get('value'))} {row.get('unit', '')}".strip()
        baseline = row.get("baseline") or ""
        if row.get("baseline_value") is not None:
            baseline = f"{baseline}: {_cell(row['baseline_value'])}"
        cells = [
            _cell(row.get("figure")),
            value,
            _cell(row.get("p50")),
            _cell(row.get("p95")),
            _cell(row.get("p99")),
            _cell(baseline or None),
            _cell(row.get("ratio")),
            _cell(row.get("goal") or None),
            _cell(row.get("met")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# --- the command line ----------------------------------------------------------------------------


def arguments(description: str | None, multi: bool = True) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny scale: seconds, for the smoke test")
    parser.add_argument("--json", type=Path, help="write the result here")
    if multi:
        parser.add_argument("--multi", action="store_true", help=f"{MULTI} instead of {SINGLE}")
    return parser.parse_args()


def _raise_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(name: str, description: str | None, measure: Callable[[argparse.Namespace, Result], None]) -> None:
    """Parse the contract's arguments, run `measure` (which adds rows), write and print the result.
    SIGTERM unwinds like Ctrl-C, so every process the benchmark started is stopped."""
    args = arguments(description)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    result = Result(name)
    measure(args, result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result.as_json(), indent=2) + "\n")
    print("\n".join([f"### {name}", "", *table_lines([asdict(row) for row in result.rows])]))
    for note in result.notes:
        print(f"- {note}")


# --- processes -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_PIDS = "SPORTELLO_BENCH_PIDS"


class Process:
    """A child process in its own process group, its output in a log file; `stop` ends the group."""

    def __init__(self, label: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.label = label
        self.url = ""
        self.ready_url = ""
        self.log_path = log_dir / f"{label}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        # scripts/bench.sh ends these groups itself should this process die before it can.
        if os.environ.get(_PIDS):
            with Path(os.environ[_PIDS]).open("a") as pids:
                pids.write(f"{self.popen.pid}\n")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self._log.close()


def wait_http(url: str, process: Process, timeout: float = 60) -> None:
    """Until `url` answers 200; fails with the process's log when it died or never answered."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.label} exited with {process.popen.returncode}:\n{process.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{process.label} did not answer {url} within {timeout} s:\n{process.log_tail()}")


def ready(*started: Process) -> None:
    """Until each of `started` answers on its readiness URL (they start in parallel meanwhile)."""
    for process in started:
        wait_http(process.ready_url, process)


_SPORTELLO = "import sys; from sportello.cli import main; sys.argv[0] = 'sportello'; main()"


def python_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(extra or {})
    return env


@dataclass
class Site:
    """Where a benchmark's Sportello keeps its state: data folder, database, optional Redis."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    multi: bool
    cache: Path | None = None

    def env(self, **settings: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "data_dir": self.data_dir,
            "database_url": self.database_url,
            "log_level": "WARNING",
            "log_format": "text",
            # The load comes from one API key: its rate limit would measure itself, not Sportello.
            "api_rate_per_minute": 0,
            "send_poll_seconds": 0.1,
            "webhook_poll_seconds": 0.1,
        }
        if self.redis_url:
            values["redis_url"] = self.redis_url
        values.update(settings)
        return python_env({f"SPORTELLO_{k.upper()}": str(v) for k, v in values.items() if v is not None})

    def settings(self) -> Any:
        from sportello.settings import Settings

        return Settings(data_dir=self.data_dir, database_url=self.database_url, redis_url=self.redis_url)


_CACHE = "SPORTELLO_BENCH_CACHE"


@contextlib.contextmanager
def site(multi: bool) -> Iterator[Site]:
    """A temporary data folder and a migrated database: SQLite in the folder, or with `multi` a
    throwaway PostgreSQL database (dropped at the end) and Redis. When `SPORTELLO_BENCH_CACHE`
    names a folder (scripts/bench.sh sets one per run), the SQLite folder is migrated and seeded
    once there and copied for each benchmark."""
    from sportello.db.migrate import upgrade_database

    with tempfile.TemporaryDirectory(prefix="sportello-bench-") as folder:
        data = Path(folder) / "data"
        if not multi:
            cached = Path(os.environ[_CACHE]) / "sqlite" if os.environ.get(_CACHE) else None
            if cached is not None and (cached / "seeded.json").exists():
                shutil.copytree(cached, data)
            else:
                data.mkdir(mode=0o700)
            url = f"sqlite+aiosqlite:///{data / 'sportello.db'}"
            upgrade_database(url)
            yield Site(data, url, None, False, cached)
            return
        data.mkdir(mode=0o700)
        name = f"sportello_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
        try:
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
            upgrade_database(url)
            yield Site(data, url, REDIS_URL, True)
        finally:
            asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _postgres_admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class Stack(contextlib.ExitStack):
    """The processes of one benchmark; leaving the block stops them all, in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        super().__init__()
        self.log_dir = log_dir

    def start(self, label: str, command: list[str], env: dict[str, str]) -> Process:
        process = Process(label, command, env, self.log_dir)
        self.callback(process.stop)
        return process

    def sportello(
        self, where: Site, label: str, *, port: int | None = None, wait: bool = True, **settings: Any
    ) -> Process:
        """`sportello serve` on a free port, once `/healthz` answers (its base URL in `.url`);
        with `wait=False` at once (then `ready(…)` several started together)."""
        port = port or free_port()
        env = where.env(host="127.0.0.1", port=port, **settings)
        process = self.start(label, [sys.executable, "-c", _SPORTELLO, "serve"], env)
        process.url = f"http://127.0.0.1:{port}"
        process.ready_url = f"{process.url}/healthz"
        if wait:
            ready(process)
        return process

    def worker(self, where: Site, label: str, **settings: Any) -> Process:
        """`sportello worker` (sender, webhook processor, mail); stop it with `.stop()`."""
        return self.start(label, [sys.executable, "-c", _SPORTELLO, "worker"], where.env(**settings))

    def emulator(self, label: str, config: dict[str, Any], *, port: int | None = None, wait: bool = True) -> Process:
        """The Cloud API emulator (`sportello emulator`) with `config` (EmulatorConfig's fields)."""
        port = port or free_port()
        path = self.log_dir / f"{label}.json"
        path.write_text(json.dumps(config))
        command = [sys.executable, "-c", _SPORTELLO, "emulator", "--port", str(port), "--config", str(path)]
        process = self.start(label, command, python_env())
        process.url = f"http://127.0.0.1:{port}"
        process.ready_url = f"{process.url}/_emulator/health"
        if wait:
            ready(process)
        return process

    def bare_webhook(self, label: str, app_secret: str, *, wait: bool = True) -> Process:
        """The baseline: a bare FastAPI endpoint in its own uvicorn that reads the body and checks the HMAC."""
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "_bare_webhook:app"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
        process = self.start(label, command, python_env({"BARE_APP_SECRET": app_secret}))
        process.url = f"http://127.0.0.1:{port}"
        process.ready_url = f"{process.url}/healthz"
        if wait:
            ready(process)
        return process


@contextlib.contextmanager
def processes() -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="sportello-bench-logs-") as logs, Stack(Path(logs)) as stack:
        yield stack


# --- the load generator --------------------------------------------------------------------------


class HttpError(Exception):
    pass


def request_bytes(
    method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None, *, json_body: Any = None
) -> bytes:
    """One HTTP/1.1 request, ready to write on a keep-alive connection to `url`'s host."""
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
    lines = [f"{method} /{path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """A keep-alive HTTP/1.1 connection: write a request, read its response (length or chunked)."""

    def __init__(self, url: str) -> None:
        rest = url.split("://", 1)[1].split("/", 1)[0]
        host, _, port = rest.partition(":")
        self.host, self.port = host, int(port or 80)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=2**20)
        return self._reader, self._writer

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        reader, writer = await self._open()
        writer.write(raw)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body


@dataclass
class Load:
    """What a run of the load generator saw: one duration per job that succeeded."""

    jobs: int
    elapsed: float
    durations: list[float]
    failures: dict[str, int]

    @property
    def per_second(self) -> float:
        return len(self.durations) / self.elapsed if self.elapsed else 0.0

    def failure_note(self, what: str) -> str | None:
        if not self.failures:
            return None
        return f"{what}: {sum(self.failures.values())} of {self.jobs} failed ({dict(self.failures)})"


Job = Callable[[Connection, int], Awaitable[None]]


async def run_load(urls: Sequence[str], jobs: int, concurrency: int, job: Job, warmup: int = 0) -> Load:
    """Run `job(connection, index)` for every index at `concurrency`, each worker on its own
    keep-alive connection (spread over `urls`, e.g. two web processes). A job raises to fail."""
    connections = [Connection(urls[i % len(urls)]) for i in range(concurrency)]
    for index in range(warmup):
        with contextlib.suppress(Exception):
            await job(connections[index % concurrency], -1 - index)
    durations: list[float] = []
    failures: dict[str, int] = {}
    counter = iter(range(jobs))

    async def worker(connection: Connection) -> None:
        for index in counter:
            started = time.perf_counter()
            try:
                await job(connection, index)
            except Exception as error:
                key = type(error).__name__ if not isinstance(error, HttpError) else str(error)
                failures[key] = failures.get(key, 0) + 1
                await connection.close()
                continue
            durations.append(time.perf_counter() - started)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(connection) for connection in connections))
    finally:
        elapsed = time.perf_counter() - started
        for connection in connections:
            await connection.close()
    return Load(jobs, elapsed, durations, failures)


def expect(status: int, body: bytes, *, ok: tuple[int, ...] = (200,)) -> bytes:
    if status not in ok:
        raise HttpError(f"HTTP {status}")
    return body


def simple_job(requests: Callable[[int], bytes], ok: tuple[int, ...] = (200,)) -> Job:
    """A job that sends one request (built for its index) and expects one of the `ok` statuses."""

    async def job(connection: Connection, index: int) -> None:
        status, body = await connection.request(requests(index))
        expect(status, body, ok=ok)

    return job


# --- reading the database ------------------------------------------------------------------------


async def scalar(database_url: str, query: str, **params: Any) -> Any:
    """One value from Sportello's database (counts while a benchmark waits for the workers)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(query), params)).scalar()
    finally:
        await engine.dispose()


async def wait_until(check: Callable[[], Awaitable[bool]], what: str, within: float, interval: float = 0.1) -> float:
    """Poll `check` until true; returns the perf_counter time it first was. Fails after `within` s."""
    deadline = time.monotonic() + within
    while True:
        if await check():
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not reached within {within} s")
        await asyncio.sleep(interval)


# --- seeding -------------------------------------------------------------------------------------


@dataclass
class Seeded:
    """An account with one WhatsApp number (the emulator's business) and an integration of it:
    an approved API key and a service user with a private key."""

    business: Any
    account_id: int
    number_id: int
    api_key: str
    email: str
    private_key: str


def seed(where: Site) -> Seeded:
    """Seeds through Sportello's services, as the test suite does (tests/support), before any
    server starts (or finds the seeding of a cached folder). The business's `webhook_url`, where
    the emulator delivers, is the caller's to set."""
    sys.path.insert(0, str(ROOT / "tests"))
    from sportello.accounts.models import Role
    from sportello.emulator.config import Business

    record = where.data_dir / "seeded.json"
    if record.exists():
        saved = json.loads(record.read_text())
        return Seeded(Business(**saved.pop("business")), **saved)
    from support.seeding import add_service_user_with_key
    from support.world import connect

    business = Business()
    settings = where.settings()
    account_id, number_id = connect(settings, business)
    integration = add_service_user_with_key(settings, account_id, role=Role.CHAT_MANAGER, name="Bench CRM")
    seeded = Seeded(business, account_id, number_id, integration.api_key, integration.email, integration.private_key)
    record.write_text(json.dumps(asdict(seeded)))
    if where.cache is not None and not where.cache.exists():
        copying = where.cache.with_name(f"{where.cache.name}.{os.getpid()}")
        shutil.copytree(where.data_dir, copying)
        with contextlib.suppress(OSError):  # another benchmark cached it first
            copying.rename(where.cache)
    return seeded


def emulator_config(business: Any, **options: Any) -> dict[str, Any]:
    return {"businesses": [asdict(business)], **options}


if __name__ == "__main__":
    # `python bench/harness.py`: migrate and seed the SQLite folder of $SPORTELLO_BENCH_CACHE once.
    with site(False) as prepared:
        seed(prepared)
