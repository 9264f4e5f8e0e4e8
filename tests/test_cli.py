"""The operator's CLI, with --json output for scripts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sportello.accounts.models import User
from sportello.accounts.passwords import verify_password
from sportello.cli import app
from sportello.db.engine import create_engine, create_sessionmaker
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.encryption import SecretBox
from sportello.settings import Settings


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Settings:
    monkeypatch.setenv("SPORTELLO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPORTELLO_DATABASE_URL", database_url)
    return Settings()


def _run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    return result.exit_code, result.output


def _stored_number(settings: Settings) -> WhatsAppNumber:
    async def stored() -> WhatsAppNumber:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                number = await session.scalar(select(WhatsAppNumber))
                assert number is not None
                return number
        finally:
            await engine.dispose()

    return asyncio.run(stored())


def _owner_password_hash(settings: Settings, email: str) -> str | None:
    async def stored() -> str | None:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await session.scalar(select(User.password_hash).where(User.email == email))
        finally:
            await engine.dispose()

    return asyncio.run(stored())


def test_operator_creates_and_lists_accounts(cli_env: Settings) -> None:
    code, output = _run(
        "operator",
        "create-account",
        "--name",
        "Pizzeria Da Mario",
        "--owner-email",
        "Mario@Pizzeria.example.com",
        "--owner-password",
        "una-password-lunga",
        "--json",
    )
    assert code == 0, output
    created = json.loads(output)
    assert created["name"] == "Pizzeria Da Mario" and created["owner"]["email"] == "mario@pizzeria.example.com"

    code, output = _run("operator", "list-accounts", "--json")
    assert code == 0
    accounts = json.loads(output)
    assert [(a["id"], a["name"], a["users"]) for a in accounts] == [(created["id"], "Pizzeria Da Mario", 1)]


def test_operator_errors_are_clear_and_exit_non_zero(cli_env: Settings) -> None:
    args = ("operator", "create-account", "--name", "A", "--owner-email", "a@a.example.com")
    assert _run(*args, "--owner-password", "long-enough-pw", "--json")[0] == 0
    code, output = _run(*args, "--owner-password", "long-enough-pw", "--json")
    assert code == 1 and json.loads(output) == {
        "detail": "A user with this email already exists.",
        "code": "email_taken",
    }
    code, output = _run(
        "operator",
        "create-account",
        "--name",
        "B",
        "--owner-email",
        "b@b.example.com",
        "--owner-password",
        "short",
    )
    assert code == 1 and "at least 10 characters" in output


def test_connect_whatsapp_stores_the_secrets_encrypted(cli_env: Settings) -> None:
    code, output = _run(
        "operator",
        "create-account",
        "--name",
        "Shop",
        "--owner-email",
        "o@shop.example.com",
        "--owner-password",
        "long-enough-pw",
        "--json",
    )
    account_id = json.loads(output)["id"]
    code, output = _run(
        "operator",
        "connect-whatsapp",
        "--account",
        str(account_id),
        "--phone-number-id",
        "106540352242922",
        "--waba-id",
        "102290129340398",
        "--access-token",
        "EAAG-secret-token",
        "--app-secret",
        "app-secret-value",
        "--json",
    )
    assert code == 0, output
    connected = json.loads(output)
    assert connected["phone_number_id"] == "106540352242922" and connected["account_id"] == account_id
    assert "access_token" not in output and "EAAG-secret-token" not in output

    async def stored() -> WhatsAppNumber:
        engine = create_engine(cli_env.resolved_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                number = await session.scalar(select(WhatsAppNumber))
                assert number is not None
                return number
        finally:
            await engine.dispose()

    number = asyncio.run(stored())
    assert "EAAG-secret-token" not in number.access_token_sealed
    assert "app-secret-value" not in number.app_secret_sealed
    box = SecretBox(cli_env.fernet_key)
    assert box.open(number.access_token_sealed) == "EAAG-secret-token"
    assert box.open(number.app_secret_sealed) == "app-secret-value"

    code, output = _run(
        "operator",
        "connect-whatsapp",
        "--account",
        "999",
        "--phone-number-id",
        "1",
        "--waba-id",
        "2",
        "--access-token",
        "t",
        "--app-secret",
        "s",
        "--json",
    )
    assert code == 1 and json.loads(output)["code"] == "account_not_found"


CONNECT = ("operator", "connect-whatsapp", "--phone-number-id", "106540352242922", "--waba-id", "102290129340398")


def test_secrets_can_come_from_the_environment_so_they_stay_out_of_ps(cli_env: Settings) -> None:
    code, output = _run(
        "operator",
        "create-account",
        "--name",
        "Shop",
        "--owner-email",
        "o@shop.example.com",
        "--json",
        env={"SPORTELLO_OWNER_PASSWORD": "from-the-environment"},
    )
    assert code == 0, output
    assert verify_password("from-the-environment", _owner_password_hash(cli_env, "o@shop.example.com"))
    account_id = str(json.loads(output)["id"])
    code, output = _run(
        *CONNECT,
        "--account",
        account_id,
        "--json",
        env={"SPORTELLO_ACCESS_TOKEN": "EAAG-env-token", "SPORTELLO_APP_SECRET": "env-app-secret"},
    )
    assert code == 0, output
    number = _stored_number(cli_env)
    box = SecretBox(cli_env.fernet_key)
    assert box.open(number.access_token_sealed) == "EAAG-env-token"
    assert box.open(number.app_secret_sealed) == "env-app-secret"


def test_a_dash_reads_each_secret_from_standard_input_in_order(cli_env: Settings) -> None:
    code, output = _run(
        "operator",
        "create-account",
        "--name",
        "Shop",
        "--owner-email",
        "o@shop.example.com",
        "--owner-password",
        "-",
        "--json",
        stdin="piped-in-password\n",
    )
    assert code == 0, output
    assert verify_password("piped-in-password", _owner_password_hash(cli_env, "o@shop.example.com"))
    account_id = str(json.loads(output)["id"])
    code, output = _run(
        *CONNECT,
        "--account",
        account_id,
        "--access-token",
        "-",
        "--app-secret",
        "-",
        "--json",
        stdin="EAAG-piped-token\npiped-app-secret\n",
    )
    assert code == 0, output
    box = SecretBox(cli_env.fernet_key)
    number = _stored_number(cli_env)
    assert box.open(number.access_token_sealed) == "EAAG-piped-token"
    assert box.open(number.app_secret_sealed) == "piped-app-secret"


def test_a_missing_secret_says_every_way_to_give_it(cli_env: Settings) -> None:
    code, output = _run("operator", "create-account", "--name", "Shop", "--owner-email", "o@shop.example.com", "--json")
    assert code == 1
    error = json.loads(output)
    assert error["code"] == "invalid_input"
    assert "SPORTELLO_OWNER_PASSWORD" in error["detail"] and "--owner-password -" in error["detail"]
    # An empty line on standard input is no secret either.
    code, output = _run(*CONNECT, "--account", "1", "--access-token", "-", "--app-secret", "s", "--json", stdin="\n")
    assert code == 1 and json.loads(output)["code"] == "invalid_input"
