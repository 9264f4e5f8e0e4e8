"""The `sportello` command: serve, demo, migrate, operator …"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.db.engine import create_engine, create_sessionmaker
from sportello.db.migrate import upgrade_database
from sportello.db.unit_of_work import unit_of_work
from sportello.emulator.cli import emulator_cli
from sportello.errors import SportelloError
from sportello.observability.logging import configure_logging
from sportello.private_files import ensure_private_dir
from sportello.settings import Settings

T = TypeVar("T")

app = typer.Typer(help="Sportello: a self-hosted WhatsApp Business inbox.", no_args_is_help=True)
operator_app = typer.Typer(help="What the operator of this installation does.", no_args_is_help=True)
api_keys_app = typer.Typer(help="API key requests: list, approve, reject.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Meta's webhook events as received.", no_args_is_help=True)
app.add_typer(operator_app, name="operator")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(emulator_cli, name="emulator")
operator_app.add_typer(api_keys_app, name="api-keys")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
# A secret given as an argument shows in `ps` and in the shell's history: every secret option
# also reads an environment variable, and `-` reads it from standard input (one line each, in
# the order of the options).
STDIN = "-"
_ALSO_FROM = " Or set {envvar}, or give '-' to read it from standard input."


def _secret_option(help_text: str, envvar: str) -> Any:
    return typer.Option(help=help_text + _ALSO_FROM.format(envvar=envvar), envvar=envvar, show_envvar=False)


def _read_secret(value: str | None, *, option: str, envvar: str) -> str:
    """The secret itself: from the option, its environment variable (typer read it already),
    standard input for `-`, or a hidden prompt at a terminal."""
    if value == STDIN:
        value = sys.stdin.readline().rstrip("\r\n")
    elif value is None and sys.stdin.isatty():
        value = typer.prompt(option.lstrip("-").replace("-", " ").capitalize(), hide_input=True)
    if not value:
        raise SportelloError(
            f"Give {option}: as {envvar} in the environment, or {option} - and the value on standard input.",
            code="invalid_input",
        )
    return value


def _settings(data_dir: Path | None = None, host: str | None = None, port: int | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    return Settings(**overrides)


def run_in_unit_of_work(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrate, then run `work` in one unit of work against the configured database."""
    ensure_private_dir(settings.data_dir)
    upgrade_database(settings.resolved_database_url)

    async def run() -> T:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _fail(exc: SportelloError, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"detail": exc.detail, "code": exc.code}))
    else:
        typer.echo(f"error: {exc.detail}", err=True)
    raise typer.Exit(code=1)


def _print(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, default=str, indent=2) if as_json else text)


@app.command()
def migrate() -> None:
    """Apply the database migrations."""
    settings = _settings()
    ensure_private_dir(settings.data_dir)
    upgrade_database(settings.resolved_database_url)
    typer.echo("database is up to date")


def uvicorn_proxy_options(settings: Settings) -> dict[str, Any]:
    """Uvicorn believes X-Forwarded-For and X-Forwarded-Proto only from `SPORTELLO_TRUSTED_PROXIES`.
    Left to itself it trusts 127.0.0.1 (or $FORWARDED_ALLOW_IPS), so anyone who reaches the port
    from this machine could choose the address every per-address limit counts."""
    if not settings.trusted_proxy_networks:
        return {"proxy_headers": False}
    return {
        "proxy_headers": True,
        "forwarded_allow_ips": [str(network) for network in settings.trusted_proxy_networks],
    }


# The live socket's protocol: the sans-I/O implementation keeps no tasks of its own per socket;
# the pages ping every 25 s themselves, so the server sends no pings (a timer per socket); and no
# per-message compression, so a frame written to ten thousand sockets is not compressed ten
# thousand times (the frames are small).
LIVE_SOCKET_OPTIONS: dict[str, Any] = {
    "ws": "websockets-sansio",
    "ws_ping_interval": None,
    "ws_per_message_deflate": False,
}


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run Sportello (production). Applies migrations first."""
    import uvicorn

    from sportello.app import create_app

    settings = _settings(host=host, port=port)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    ensure_private_dir(settings.data_dir)
    upgrade_database(settings.resolved_database_url)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        **uvicorn_proxy_options(settings),
        **LIVE_SOCKET_OPTIONS,
    )


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[Path | None, typer.Option(help="Data folder (default ./data).")] = None,
) -> None:
    """Seed a demo account and run Sportello with everything embedded."""
    import uvicorn
    from pydantic import SecretStr

    from sportello.app import create_app
    from sportello.demo.crm.server import start_crm
    from sportello.demo.seed import demo_host_origin, operator_login, read_previous, seed_demo, write_credentials
    from sportello.demo.showcase import emulator_templates
    from sportello.demo.whatsapp import emulator_url, start_emulator

    settings = _settings(data_dir=data_dir, host=host, port=port)
    # The demo's WhatsApp is the emulator, served by this same process on port + 2.
    settings.graph_api_base_url = emulator_url(settings)
    if settings.log_format == "json" and sys.stderr.isatty():
        settings.log_format = "text"
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    previous = read_previous(settings.data_dir)
    # The demo turns the operator console on, with a password kept in demo-credentials.json.
    username, password = operator_login(settings, previous)
    settings.operator_username, settings.operator_password = username, SecretStr(password)
    credentials = run_in_unit_of_work(settings, lambda session: seed_demo(session, settings, previous))
    path = write_credentials(credentials, settings.data_dir)
    typer.echo(
        f"\nSportello demo\n  open      {credentials.login_url}\n  sign in   {credentials.owner_email}"
        f" / {credentials.owner_password}\n  operator  {credentials.operator_url}  ({credentials.operator_username}"
        f" / {credentials.operator_password})\n  customer  {credentials.customer_phone_urls[0]}"
        f"  (write to the shop as a customer)\n  crm       {demo_host_origin(settings)}  (a CRM that embeds the inbox;"
        f" /guide: the guide's own snippet)\n  all keys  {path}\n"
    )
    templates = run_in_unit_of_work(
        settings, lambda session: emulator_templates(session, account_id=credentials.account_id)
    )
    start_emulator(settings, templates)
    start_crm(settings, credentials)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        **uvicorn_proxy_options(settings),
        **LIVE_SOCKET_OPTIONS,
    )


@app.command()
def worker() -> None:
    """Run only the background work (sender, webhook processor, mail) - for scale-out; then run
    web processes with SPORTELLO_RUN_WORKERS=false."""
    import signal

    from sportello.conversations.live_publisher import live_info
    from sportello.kit.encryption import SecretBox
    from sportello.realtime.bus import create_bus
    from sportello.workers.runtime import Workers

    settings = _settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    ensure_private_dir(settings.data_dir)
    upgrade_database(settings.resolved_database_url)

    async def run() -> None:
        engine = create_engine(settings.resolved_database_url)
        # Changes made here (webhooks, sends) wake the pages held by the web processes through Redis.
        bus = create_bus(settings.redis_url, signing_key=settings.signing_key)
        sessionmaker = create_sessionmaker(engine, info=live_info(bus, settings))
        workers = Workers(sessionmaker, settings, SecretBox(settings.fernet_key))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for name in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(name, stop.set)
        workers.start()
        typer.echo("sportello worker running (sender, webhook processor, mail)", err=True)
        try:
            await stop.wait()
        finally:
            await workers.stop()
            await bus.close()
            await engine.dispose()

    asyncio.run(run())


@operator_app.command("create-account")
def create_account(
    name: Annotated[str, typer.Option(help="The business's name.")],
    owner_email: Annotated[str, typer.Option(help="The Owner's email (their sign-in).")],
    owner_password: Annotated[
        str | None,
        _secret_option("The Owner's password (at least 10 characters).", "SPORTELLO_OWNER_PASSWORD"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an account with its Owner."""
    from sportello.accounts import service

    async def work(session: AsyncSession) -> dict[str, Any]:
        account, owner = await service.create_account(
            session, name=name, owner_email=owner_email, owner_password=password
        )
        return {"id": account.id, "name": account.name, "owner": {"id": owner.id, "email": owner.email}}

    try:
        password = _read_secret(owner_password, option="--owner-password", envvar="SPORTELLO_OWNER_PASSWORD")
        created = run_in_unit_of_work(_settings(), work)
    except SportelloError as exc:
        _fail(exc, as_json)
        return
    _print(created, as_json, f"account {created['id']} '{created['name']}' created; owner {owner_email}")


@operator_app.command("list-accounts")
def list_accounts(as_json: JsonFlag = False) -> None:
    """List the accounts of this installation."""
    from sportello.accounts import service
    from sportello.accounts.schemas import AccountRead

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [
            AccountRead(id=a.id, name=a.name, users=users, created_at=a.created_at).model_dump(mode="json")
            for a, users in await service.list_accounts(session)
        ]

    accounts = run_in_unit_of_work(_settings(), work)
    lines = [f"{a['id']:>5}  {a['name']}  ({a['users']} users)" for a in accounts] or ["no accounts yet"]
    _print(accounts, as_json, "\n".join(lines))


@operator_app.command("connect-whatsapp")
def connect_whatsapp(
    account: Annotated[int, typer.Option(help="The account id.")],
    phone_number_id: Annotated[str, typer.Option(help="Meta's phone number id.")],
    waba_id: Annotated[str, typer.Option(help="Meta's WhatsApp Business account id.")],
    access_token: Annotated[str | None, _secret_option("A system user access token.", "SPORTELLO_ACCESS_TOKEN")] = None,
    app_secret: Annotated[
        str | None, _secret_option("The Meta app's secret (checks webhook signatures).", "SPORTELLO_APP_SECRET")
    ] = None,
    display_phone_number: Annotated[str | None, typer.Option(help="The number as people see it.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Connect a WhatsApp Business number to an account (secrets are stored encrypted)."""
    from sportello.integrations import service
    from sportello.integrations.schemas import WhatsAppNumberRead
    from sportello.kit.encryption import SecretBox

    settings = _settings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        number = await service.connect_whatsapp(
            session,
            box=SecretBox(settings.fernet_key),
            account_id=account,
            phone_number_id=phone_number_id,
            waba_id=waba_id,
            access_token=token,
            app_secret=secret,
            display_phone_number=display_phone_number,
        )
        return WhatsAppNumberRead.model_validate(number).model_dump(mode="json")

    try:
        token = _read_secret(access_token, option="--access-token", envvar="SPORTELLO_ACCESS_TOKEN")
        secret = _read_secret(app_secret, option="--app-secret", envvar="SPORTELLO_APP_SECRET")
        connected = run_in_unit_of_work(settings, work)
    except SportelloError as exc:
        _fail(exc, as_json)
        return
    _print(connected, as_json, f"number {phone_number_id} connected to account {account}")


def _deliver_mail(settings: Settings) -> None:
    """Send what the command queued now, when SMTP is configured (a running server would too)."""
    from sportello.mail.sender import deliver_pending

    async def run() -> None:
        engine = create_engine(settings.resolved_database_url)
        try:
            await deliver_pending(create_sessionmaker(engine), settings)
        finally:
            await engine.dispose()

    asyncio.run(run())


def _api_key_json(key: Any) -> dict[str, Any]:
    from sportello.credentials.schemas import ApiKeyRead

    return ApiKeyRead.model_validate(key).model_dump(mode="json")


@api_keys_app.command("list")
def list_api_keys(
    status: Annotated[str | None, typer.Option(help="pending, approved, rejected or revoked.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List API key requests, newest first."""
    from sportello.credentials.models import ApiKeyStatus
    from sportello.credentials.service import api_keys

    try:
        wanted = ApiKeyStatus(status) if status else None
    except ValueError:
        _fail(
            SportelloError(
                f"Unknown status '{status}': use pending, approved, rejected or revoked.", code="invalid_input"
            ),
            as_json,
        )
        return

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [_api_key_json(k) for k in await api_keys.list_for_operator(session, status=wanted)]

    keys = run_in_unit_of_work(_settings(), work)
    lines = [
        f"{k['id']:>5}  {k['status']:<9} account {k['account_id']:<5} {k['prefix']}…  {k['requester_email']}\n"
        f"       {k['motivation'][:200]}"
        for k in keys
    ] or ["no API key requests"]
    _print(keys, as_json, "\n".join(lines))


@api_keys_app.command("approve")
def approve_api_key(
    key_id: Annotated[int, typer.Argument(help="The API key's id.")], as_json: JsonFlag = False
) -> None:
    """Approve a pending API key; the requester is emailed."""
    from sportello.credentials.service import api_keys

    settings = _settings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        return _api_key_json(await api_keys.approve_api_key(session, key_id=key_id))

    try:
        key = run_in_unit_of_work(settings, work)
    except SportelloError as exc:
        _fail(exc, as_json)
        return
    _deliver_mail(settings)
    _print(key, as_json, f"API key {key_id} approved; {key['requester_email']} is emailed")


@api_keys_app.command("reject")
def reject_api_key(
    key_id: Annotated[int, typer.Argument(help="The API key's id.")],
    reason: Annotated[str, typer.Option(help="Why, in words the requester understands.")],
    as_json: JsonFlag = False,
) -> None:
    """Reject a pending API key with a reason; the requester is emailed."""
    from sportello.credentials.service import api_keys

    settings = _settings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        return _api_key_json(await api_keys.reject_api_key(session, key_id=key_id, reason=reason))

    try:
        key = run_in_unit_of_work(settings, work)
    except SportelloError as exc:
        _fail(exc, as_json)
        return
    _deliver_mail(settings)
    _print(key, as_json, f"API key {key_id} rejected; {key['requester_email']} is emailed")


@webhooks_app.command("replay")
def replay_webhooks(
    event_id: Annotated[list[int] | None, typer.Option("--id", help="An event id (repeatable).")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Every event whose processing failed.")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Every stored event, in order.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Process stored webhook events again (after a fix). Applying an event twice is harmless."""
    from sportello.webhooks import repository as webhooks_repo
    from sportello.webhooks.flows import FLOWS
    from sportello.webhooks.models import WebhookState
    from sportello.webhooks.processor import process_pending

    if not (event_id or failed or everything):
        _fail(SportelloError("Say which events: --id N, --failed or --all.", code="invalid_input"), as_json)
        return
    settings = _settings()

    async def reset(session: AsyncSession) -> int:
        if everything:
            return await webhooks_repo.reset_for_replay(session)
        if failed:
            return await webhooks_repo.reset_for_replay(session, states=[WebhookState.FAILED])
        return await webhooks_repo.reset_for_replay(session, event_ids=event_id or [])

    queued = run_in_unit_of_work(settings, reset)

    async def process() -> dict[str, int]:
        engine = create_engine(settings.resolved_database_url)
        try:
            sessionmaker = create_sessionmaker(engine)
            processed = 0
            while done := await process_pending(sessionmaker, FLOWS):
                processed += done
            async with unit_of_work(sessionmaker) as session:
                states = await webhooks_repo.count_by_state(session)
            return {"queued": queued, "processed": processed, **{f"now_{k}": v for k, v in states.items()}}
        finally:
            await engine.dispose()

    result = asyncio.run(process())
    _print(result, as_json, f"{result['queued']} event(s) queued again, {result['processed']} processed")


def main() -> None:
    app()
