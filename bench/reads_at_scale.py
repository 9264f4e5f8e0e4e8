"""Reads at scale, measured from outside: one account with 100,000 contacts and chats and
1,000,000 messages (one chat holds 20,000 of them), beside 20 other accounts; every list, search
and history page through real HTTP to `sportello serve`, one request at a time, p50/p95/p99;
the baseline is the same request on a 500-contact account of the same database. On SQLite and
on PostgreSQL (a throwaway database). The seeding goes straight into the tables (SQLAlchemy
Core executemany on SQLite, COPY on PostgreSQL), not through the services, and is timed.

`--quick` seeds 1,000 contacts and 10,000 messages, on SQLite only. `--database` picks one."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import random
import signal
import string
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import quote

import harness
from harness import Row

GOAL_MS = 20.0
OTHER_ACCOUNTS = 20
SMALL_CONTACTS = 500  # the baseline account, and each other account
FIRST_NAMES = [
    "Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo", "Elena", "Davide",
    "Laura", "Simone", "Valentina", "Andrea", "Martina", "Federico", "Anna", "Stefano", "Paola", "Giorgio",
    "Lucia", "Roberto", "Silvia", "Paolo", "Marta", "Carlos", "Lucía", "Javier", "Carmen", "Pablo",
    "Emma", "Noah", "Olivia", "Liam", "Ava", "James", "Sophia", "Ethan", "Mia", "Lucas",
]  # fmt: skip
LAST_NAMES = [
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
    "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone",
    "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "Marchetti", "Parisi",
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Scale:
    contacts: int
    messages: int
    big_chat: int  # messages in the one long chat (the deep history page)
    requests: int  # per figure
    seconds: float  # at most, per figure (the old code can take hundreds of ms a request)
    others: int  # contacts of each other account (the baseline account has SMALL_CONTACTS)


FULL = Scale(contacts=100_000, messages=1_000_000, big_chat=20_000, requests=200, seconds=10, others=500)
QUICK = Scale(contacts=1_000, messages=10_000, big_chat=1_000, requests=10, seconds=0.5, others=10)


# --- seeding -------------------------------------------------------------------------------------


def _vocabulary(rng: random.Random) -> list[str]:
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))) for _ in range(5000)]


def _complete(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    """Every column of `table`: the given values, the column's Python default for the others."""
    full = {}
    for column in table.columns:
        if column.name in row:
            full[column.name] = row[column.name]
            continue
        default = column.default
        if default is None:
            full[column.name] = None
        elif default.is_callable:
            full[column.name] = default.arg(None)
        else:
            full[column.name] = default.arg
    return full


@dataclasses.dataclass
class Seeding:
    """What the measurements need to know of the seeded data."""

    seconds: float = 0.0
    rows: int = 0
    big_chat_uuid: str = ""
    big_chat_deep_cursor: int = 0
    big_chat_old_message: str = ""
    phone_digits: str = ""
    last_name: str = ""
    message_word: str = ""
    small: dict[str, Any] = dataclasses.field(default_factory=dict)


class Writer:
    """Bulk rows into one database: Core executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.postgres = database_url.startswith("postgresql")
        self.rows = 0

    async def __aenter__(self) -> Writer:
        if self.postgres:
            import asyncpg

            self._pg = await asyncpg.connect(self.url.replace("postgresql+asyncpg", "postgresql"))
        else:
            from sqlalchemy.ext.asyncio import create_async_engine

            self._engine = create_async_engine(self.url)
            self._connection = await self._engine.connect()
            await self._connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.postgres:
            for table in ("contacts", "chats", "messages", "templates", "accounts"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                await self._pg.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")  # noqa: S608
            await self._pg.execute("VACUUM ANALYZE")
            await self._pg.close()
        else:
            await self._connection.commit()
            await self._connection.exec_driver_sql("ANALYZE")
            await self._connection.commit()
            await self._connection.close()
            await self._engine.dispose()

    async def max_id(self, table: str) -> int:
        query = f"SELECT coalesce(max(id), 0) FROM {table}"  # noqa: S608 — a table name of ours
        if self.postgres:
            return int(await self._pg.fetchval(query))
        return int((await self._connection.exec_driver_sql(query)).scalar() or 0)

    async def write(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """The rows as the driver takes them (no per-value SQLAlchemy processing: it would cost more
        than the insert), in one executemany or one COPY."""
        if not rows:
            return
        from sqlalchemy import JSON

        names = [column.name for column in table.columns]
        as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
        records = [
            tuple(
                json.dumps(row[name]) if name in as_json else _plain(row[name], sqlite=not self.postgres)
                for name in names
            )
            for row in (_complete(table, row) for row in rows)
        ]
        self.rows += len(records)
        if self.postgres:
            await self._pg.copy_records_to_table(table.name, records=records, columns=names)
            return
        statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
        await self._connection.exec_driver_sql(statement, records)


def _plain(value: Any, *, sqlite: bool) -> Any:
    """A value as the driver stores it: enums as their text; on SQLite times as SQLAlchemy writes them."""
    if isinstance(value, Enum):
        return value.value
    if sqlite and isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if sqlite and isinstance(value, bool):
        return int(value)
    return value


async def _seed_account(
    writer: Writer,
    rng: random.Random,
    words: list[str],
    *,
    account_id: int,
    number_id: int | None,
    contacts: int,
    messages: int,
    big_chat: int,
    seeding: Seeding | None,
) -> None:
    from sportello.chats.models import Chat
    from sportello.contacts.models import Contact
    from sportello.messages.models import Direction, Message, SendStatus
    from sportello.templates.models import Template, TemplateCategory, TemplateStatus

    contact_table, chat_table, message_table = Contact.__table__, Chat.__table__, Message.__table__
    now = datetime.now(UTC)
    first_contact = await writer.max_id("contacts") + 1
    first_chat = await writer.max_id("chats") + 1
    next_message = await writer.max_id("messages") + 1
    phones = rng.sample(range(10**9, 10**10), contacts)
    # Each chat's messages: the first chat is the long one, the rest share what is left.
    per_chat = [big_chat] + [0] * (contacts - 1)
    for _ in range(messages - big_chat):
        per_chat[rng.randrange(1, contacts)] += 1
    chunk = 5000
    for start in range(0, contacts, chunk):
        contact_rows, chat_rows, message_rows = [], [], []
        for index in range(start, min(contacts, start + chunk)):
            contact_id, chat_id = first_contact + index, first_chat + index
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            created = now - timedelta(days=400) + timedelta(seconds=index * 30)
            contact_rows.append(
                {
                    "id": contact_id,
                    "account_id": account_id,
                    "phone": f"+39{phones[index]}",
                    "first_name": first,
                    "last_name": last,
                    "profile_name": f"{first} {last[0]}.",
                    "email": f"{first.lower()}.{contact_id}@example.com" if index % 3 == 0 else "",
                    "created_at": created,
                    "updated_at": created,
                }
            )
            last_id = None
            moment = created
            for m in range(per_chat[index]):
                inbound = m % 2 == 0
                moment = moment + timedelta(seconds=rng.randint(5, 3600))
                last_id = next_message
                message_rows.append(
                    {
                        "id": next_message,
                        "uuid": uuid.uuid4().hex,
                        "account_id": account_id,
                        "chat_id": chat_id,
                        "whatsapp_number_id": number_id,
                        "direction": Direction.INBOUND if inbound else Direction.OUTBOUND,
                        "content_type": "Text",
                        "text": " ".join(rng.choice(words) for _ in range(rng.randint(3, 12))),
                        "content": {},
                        "send_status": SendStatus.RECEIVED if inbound else SendStatus.READ,
                        "created_at": moment,
                    }
                )
                next_message += 1
            chat_rows.append(
                {
                    "id": chat_id,
                    "uuid": uuid.uuid4().hex,
                    "account_id": account_id,
                    "contact_id": contact_id,
                    "whatsapp_number_id": number_id,
                    "last_inbound_at": moment,
                    "last_message_id": last_id,
                    "unread_count": 1 if rng.random() < 0.05 else 0,
                    "created_at": created,
                    "updated_at": moment,
                }
            )
            if seeding is not None and index == 0:
                seeding.big_chat_uuid = chat_rows[-1]["uuid"]
                seeding.big_chat_deep_cursor = message_rows[len(message_rows) // 10]["id"]
                seeding.big_chat_old_message = message_rows[len(message_rows) // 20]["uuid"]
            if seeding is not None and index == contacts // 2:
                seeding.phone_digits = str(phones[index])[2:8]
                seeding.last_name = last
        await writer.write(contact_table, contact_rows)
        await writer.write(chat_table, chat_rows)
        for m_start in range(0, len(message_rows), 20_000):
            await writer.write(message_table, message_rows[m_start : m_start + 20_000])
    first_template = await writer.max_id("templates") + 1
    await writer.write(
        Template.__table__,
        [
            {
                "id": first_template + i,
                "account_id": account_id,
                "name": f"offer_{i}",
                "language": "it",
                "category": TemplateCategory.MARKETING,
                "status": TemplateStatus.APPROVED,
                "components": {"body": {"text": "Ciao {{1}}, abbiamo una novità per te."}},
            }
            for i in range(30)
        ],
    )


def seed(where: harness.Site, scale: Scale) -> tuple[harness.Seeded, harness.Seeded, Seeding]:
    """The big account (harness.seed's) and a 500-contact one with their integrations through the
    services; then their rows, 20 other accounts' and theirs in bulk."""
    sys.path.insert(0, str(harness.ROOT / "tests"))
    from sportello.accounts.models import Account, Role
    from sportello.emulator.config import Business
    from support.seeding import add_service_user_with_key
    from support.world import connect

    big = harness.seed(where)
    settings = where.settings()
    business = Business(
        phone_number_id="206540352242922", waba_id="202290129340398", display_phone_number="15550783882"
    )
    small_account, small_number = connect(settings, business, account_name="Small")
    small_key = add_service_user_with_key(settings, small_account, role=Role.CHAT_MANAGER, name="Small CRM")
    small = harness.Seeded(
        business, small_account, small_number, small_key.api_key, small_key.email, small_key.private_key
    )
    seeding = Seeding()
    rng = random.Random(14)
    words = _vocabulary(rng)
    seeding.message_word = words[1234]

    async def go() -> None:
        async with Writer(where.database_url) as writer:
            first_other = await writer.max_id("accounts") + 1
            await writer.write(
                Account.__table__,
                [{"id": first_other + i, "name": f"Other {i}"} for i in range(OTHER_ACCOUNTS)],
            )
            await _seed_account(
                writer, rng, words, account_id=big.account_id, number_id=big.number_id,
                contacts=scale.contacts, messages=scale.messages, big_chat=scale.big_chat, seeding=seeding,
            )  # fmt: skip
            small_seeding = Seeding()
            await _seed_account(
                writer, rng, words, account_id=small.account_id, number_id=small.number_id,
                contacts=SMALL_CONTACTS, messages=SMALL_CONTACTS * 10, big_chat=SMALL_CONTACTS * 2,
                seeding=small_seeding,
            )  # fmt: skip
            seeding.small = dataclasses.asdict(small_seeding)
            for i in range(OTHER_ACCOUNTS):
                await _seed_account(
                    writer, rng, words, account_id=first_other + i, number_id=None,
                    contacts=scale.others, messages=scale.others * 10, big_chat=scale.others, seeding=None,
                )  # fmt: skip
            seeding.rows = writer.rows

    started = time.perf_counter()
    asyncio.run(go())
    seeding.seconds = time.perf_counter() - started
    return big, small, seeding


# --- measuring -----------------------------------------------------------------------------------


def _frame_session(url: str, seeded: harness.Seeded) -> str:
    import httpx

    minted = httpx.post(
        f"{url}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": seeded.api_key},
        json={"email": seeded.email, "private_key": seeded.private_key},
        timeout=30,
    ).json()
    opened = httpx.post(
        f"{url}/api/1/auth/exchange/",
        json={"token": minted["token"], "uid": minted["uid"], "page": "chats"},
        timeout=30,
    )
    opened.raise_for_status()
    return str(opened.json()["session"])


@dataclasses.dataclass(frozen=True)
class Figure:
    name: str
    path: Callable[[Seeding], str]  # for the seeding of the account measured
    web: bool  # the web app's API (a frame session) or the REST API (the API key)


FIGURES = [
    Figure("chats page 1", lambda s: "/web/api/chats/?page=1", True),
    Figure("chats page 50", lambda s: "/web/api/chats/?page=50" if s.rows else "/web/api/chats/?page=5", True),
    Figure("chats unread filter", lambda s: "/web/api/chats/?unread=true", True),
    Figure("chats search by phone digits", lambda s: f"/web/api/chats/?search={s.phone_digits}", True),
    Figure("chats search by name", lambda s: f"/web/api/chats/?search={quote(s.last_name)}", True),
    Figure("chats search by message text", lambda s: f"/web/api/chats/?search={s.message_word}", True),
    Figure("contacts page 1 (REST)", lambda s: "/api/1/contacts/", False),
    Figure("contacts search by phone digits (REST)", lambda s: f"/api/1/contacts/?search={s.phone_digits}", False),
    Figure("contacts search by name (REST)", lambda s: f"/api/1/contacts/?search={quote(s.last_name)}", False),
    Figure("chats page 1 (REST)", lambda s: "/api/1/chats/", False),
    Figure("history page 1 of the long chat", lambda s: f"/web/api/chats/{s.big_chat_uuid}/messages/", True),
    Figure(
        "history deep page of the long chat",
        lambda s: f"/web/api/chats/{s.big_chat_uuid}/messages/?before={s.big_chat_deep_cursor}",
        True,
    ),
    Figure(
        "history around an old message (search jump)",
        lambda s: f"/web/api/chats/{s.big_chat_uuid}/messages/?around={s.big_chat_old_message}",
        True,
    ),
    Figure(
        "search inside the long chat",
        lambda s: f"/web/api/chats/{s.big_chat_uuid}/messages/search/?q={s.message_word}",
        True,
    ),
    Figure("templates list (REST)", lambda s: "/api/1/templates/", False),
]


def _measure_one(
    url: str, path: str, headers: dict[str, str], scale: Scale
) -> tuple[list[float], int | None, str | None]:
    """Durations of one request at a time, until `scale.requests` or `scale.seconds`; the count
    the list answered; or why it could not be measured (the endpoint is not there)."""
    raw = harness.request_bytes("GET", f"{url}{path}", headers=headers)

    async def run() -> tuple[list[float], int | None, str | None]:
        connection = harness.Connection(url)
        try:
            status, body = await connection.request(raw)
            if status != 200:
                return [], None, f"HTTP {status}"
            answer = json.loads(body)
            count = answer.get("count") if isinstance(answer, dict) else len(answer)
            durations: list[float] = []
            deadline = time.perf_counter() + scale.seconds
            while len(durations) < scale.requests and time.perf_counter() < deadline:
                started = time.perf_counter()
                harness.expect(*await connection.request(raw))
                durations.append(time.perf_counter() - started)
            return durations, count, None
        finally:
            await connection.close()

    return asyncio.run(run())


@contextlib.contextmanager
def _database(kind: str) -> Iterator[harness.Site]:
    with harness.site(kind == "postgresql") as where:
        # One process on either database; Redis has nothing to do with reads.
        yield dataclasses.replace(where, redis_url=None, multi=False, cache=None)


def measure(kind: str, scale: Scale, result: harness.Result, label: str) -> None:
    with _database(kind) as where, harness.processes() as stack:
        big, small, seeding = seed(where, scale)
        result.notes.append(
            f"{label} on {kind}: seeded {seeding.rows:,} rows ({scale.contacts:,} contacts and chats, "
            f"{scale.messages:,} messages in the big account; {OTHER_ACCOUNTS} other accounts of "
            f"{scale.others:,} contacts, {scale.others * 10:,} messages each; the baseline's {SMALL_CONTACTS} "
            f"contacts, {SMALL_CONTACTS * 10:,} messages) in {seeding.seconds:.1f} s."
        )
        result.rows.append(Row(f"seeding [{kind}]{label}", "s", round(seeding.seconds, 1)))
        web = stack.sportello(where, "web")
        sessions = {id(big): _frame_session(web.url, big), id(small): _frame_session(web.url, small)}
        small_seeding = Seeding(**{**seeding.small, "rows": 0, "message_word": seeding.message_word})
        for figure in FIGURES:
            measured: dict[str, Any] = {}
            for who, what in ((big, seeding), (small, small_seeding)):
                headers = (
                    {"Authorization": f"Bearer {sessions[id(who)]}"} if figure.web else {"X-Spoki-Api-Key": who.api_key}
                )
                measured[who.email] = _measure_one(web.url, figure.path(what), headers, scale)
            durations, count, failed = measured[big.email]
            base_durations, _, _ = measured[small.email]
            if failed:
                result.notes.append(f"{label} [{kind}] {figure.name}: not measured ({failed}).")
                continue
            latency = harness.latency_ms(durations)
            base = harness.latency_ms(base_durations)
            p99 = latency["p99"]
            result.rows.append(
                Row(
                    f"{figure.name} [{kind}]{label}",
                    "ms (p99)",
                    p99,
                    **latency,
                    baseline=f"500-contact account p99 ({len(base_durations)} req)",
                    baseline_value=base["p99"],
                    goal=f"p99 ≤ {GOAL_MS:.0f} ms",
                    met=p99 is not None and p99 <= GOAL_MS,
                )
            )
            result.notes.append(f"{label} [{kind}] {figure.name}: {len(durations)} requests, count {count}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 contacts / 10,000 messages, SQLite")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default=None)
    parser.add_argument("--label", default="", help="appended to each figure (e.g. ' before')")
    args = parser.parse_args()  # no --multi: reads are one process's queries (exit 2 with it)
    signal.signal(signal.SIGTERM, harness._raise_on_sigterm)
    scale = QUICK if args.quick else FULL
    kinds = {"both": ["sqlite", "postgresql"], None: ["sqlite"] if args.quick else ["sqlite", "postgresql"]}.get(
        args.database, [args.database]
    )
    result = harness.Result("reads_at_scale")
    for kind in kinds:
        measure(kind, scale, result, args.label)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result.as_json(), indent=2) + "\n")
    print("\n".join(["### reads_at_scale", "", *harness.table_lines([dataclasses.asdict(r) for r in result.rows])]))
    for note in result.notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
