"""Seeds the demo account. Idempotent: running the demo again reuses what is there, and the
secrets it printed last time keep working (they are kept only in demo-credentials.json)."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.models import Role, User, UserType
from sportello.accounts.passwords import hash_password
from sportello.credentials import repository as credentials_repo
from sportello.credentials.models import ApiKeyStatus
from sportello.credentials.service import api_keys, private_keys
from sportello.demo.showcase import seed_showcase
from sportello.demo.whatsapp import DEMO_CUSTOMERS, connect_demo_number, demo_business, emulator_url
from sportello.kit import secrets as kit_secrets
from sportello.settings import Settings

DEMO_OWNER_EMAIL = "owner@demo-shop.example.com"
DEMO_OWNER_PASSWORD = "sportello-demo"  # noqa: S105 - the demo's published sign-in
DEMO_ACCOUNT_NAME = "Demo Shop"
DEMO_SERVICE_USERS = (("CRM integration", Role.CHAT_MANAGER), ("CRM operator desk", Role.CHAT_OPERATOR))


@dataclass
class ServiceUserCredentials:
    uid: str
    name: str
    role: str
    email: str
    private_key: str


@dataclass
class DemoCredentials:
    app_url: str
    api_url: str
    login_url: str
    account_id: int
    owner_email: str
    owner_password: str
    operator_url: str
    operator_username: str
    operator_password: str
    api_key: str
    api_key_allowed_origins: list[str]
    emulator_url: str
    customer_phone_urls: list[str]
    service_users: list[ServiceUserCredentials] = field(default_factory=list)


def demo_host_origin(settings: Settings) -> str:
    """The demo's host page (a CRM) runs on the next port: another origin, as in real life."""
    return f"http://{settings.host}:{settings.port + 1}"


def credentials_path(data_dir: Path) -> Path:
    return data_dir / "demo-credentials.json"


def operator_login(settings: Settings, previous: dict[str, Any]) -> tuple[str, str]:
    if settings.operator_username and settings.operator_password:
        return settings.operator_username, settings.operator_password.get_secret_value()
    return "operator", str(previous.get("operator_password") or secrets.token_urlsafe(12))


async def _owner(session: AsyncSession) -> User:
    owner = await accounts_repo.find_user_by_email(session, DEMO_OWNER_EMAIL)
    if owner is None:
        _, owner = await accounts_service.create_account(
            session,
            name=DEMO_ACCOUNT_NAME,
            owner_email=DEMO_OWNER_EMAIL,
            owner_password=DEMO_OWNER_PASSWORD,
            owner_name="Demo Owner",
        )
    else:
        # The demo's password is published; put it back if someone changed it.
        owner.password_hash = hash_password(DEMO_OWNER_PASSWORD)
    return owner


async def _api_key(session: AsyncSession, owner: User, settings: Settings, previous: dict[str, Any]) -> str:
    old = str(previous.get("api_key") or "")
    if old:
        key = await credentials_repo.find_api_key_by_digest(session, kit_secrets.digest(old, settings.signing_key))
        if key is not None and key.status is ApiKeyStatus.APPROVED:
            return old
    raw, key = await api_keys.request_api_key(
        session,
        actor=Actor.of(owner),
        motivation="The demo CRM embeds the chat in its customer page.",
        allowed_origins=[demo_host_origin(settings)],
        signing_key=settings.signing_key,
    )
    await api_keys.approve_api_key(session, key_id=key.id)
    return raw


async def _service_users(
    session: AsyncSession, owner: User, settings: Settings, previous: dict[str, Any]
) -> list[ServiceUserCredentials]:
    known = {str(s.get("name")): s for s in previous.get("service_users", []) if isinstance(s, dict)}
    existing = {
        u.name: u
        for u in await accounts_repo.list_users(session, account_id=owner.account_id)
        if u.user_type is UserType.SERVICE
    }
    result = []
    for name, role in DEMO_SERVICE_USERS:
        user = existing.get(name)
        if user is None:
            user = await private_keys.add_service_user(session, caller=Actor.of(owner), name=name, role=role)
        old_key = str(known.get(name, {}).get("private_key") or "")
        if (
            user.private_key_digest
            and old_key
            and kit_secrets.matches(old_key, user.private_key_digest, settings.signing_key)
        ):
            key = old_key
        else:
            key, user = await private_keys.rotate_private_key(
                session, caller=Actor.of(owner), user_id=user.id, signing_key=settings.signing_key
            )
        result.append(
            ServiceUserCredentials(uid=str(user.id), name=name, role=role.value, email=user.email, private_key=key)
        )
    return result


async def seed_demo(session: AsyncSession, settings: Settings, previous: dict[str, Any]) -> DemoCredentials:
    owner = await _owner(session)
    await session.flush()
    await connect_demo_number(session, settings, owner.account_id)
    await seed_showcase(session, owner=owner, waba_id=demo_business(settings).waba_id, app_url=settings.public_app_url)
    operator_username, operator_password = operator_login(settings, previous)
    return DemoCredentials(
        app_url=settings.public_app_url,
        api_url=settings.public_api_url,
        login_url=f"{settings.public_app_url}/login",
        account_id=owner.account_id,
        owner_email=DEMO_OWNER_EMAIL,
        owner_password=DEMO_OWNER_PASSWORD,
        operator_url=f"{settings.public_app_url}/operator",
        operator_username=operator_username,
        operator_password=operator_password,
        api_key=await _api_key(session, owner, settings, previous),
        api_key_allowed_origins=[demo_host_origin(settings)],
        emulator_url=emulator_url(settings),
        customer_phone_urls=[f"{emulator_url(settings)}/phone/{number.lstrip('+')}" for number, _, _ in DEMO_CUSTOMERS],
        service_users=await _service_users(session, owner, settings, previous),
    )


def read_previous(data_dir: Path) -> dict[str, Any]:
    path = credentials_path(data_dir)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_credentials(credentials: DemoCredentials, data_dir: Path) -> Path:
    path = credentials_path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(credentials), indent=2) + "\n")
    path.chmod(0o600)
    return path
