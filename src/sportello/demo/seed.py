"""Seeds the demo account. Idempotent: running the demo again reuses what is there."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.accounts import service as accounts_service
from sportello.accounts.passwords import hash_password
from sportello.settings import Settings

DEMO_OWNER_EMAIL = "owner@demo-shop.example.com"
DEMO_OWNER_PASSWORD = "sportello-demo"  # noqa: S105 - the demo's published sign-in
DEMO_ACCOUNT_NAME = "Demo Shop"


@dataclass
class DemoCredentials:
    app_url: str
    api_url: str
    login_url: str
    account_id: int
    owner_email: str
    owner_password: str


async def seed_demo(session: AsyncSession, settings: Settings) -> DemoCredentials:
    owner = await accounts_repo.find_user_by_email(session, DEMO_OWNER_EMAIL)
    if owner is None:
        account, owner = await accounts_service.create_account(
            session,
            name=DEMO_ACCOUNT_NAME,
            owner_email=DEMO_OWNER_EMAIL,
            owner_password=DEMO_OWNER_PASSWORD,
            owner_name="Demo Owner",
        )
        account_id = account.id
    else:
        # The demo's password is published; put it back if someone changed it.
        owner.password_hash = hash_password(DEMO_OWNER_PASSWORD)
        account_id = owner.account_id
    await session.flush()
    return DemoCredentials(
        app_url=settings.public_app_url,
        api_url=settings.public_api_url,
        login_url=f"{settings.public_app_url}/login",
        account_id=account_id,
        owner_email=DEMO_OWNER_EMAIL,
        owner_password=DEMO_OWNER_PASSWORD,
    )


def write_credentials(credentials: DemoCredentials, data_dir: Path) -> Path:
    path = data_dir / "demo-credentials.json"
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(credentials), indent=2) + "\n")
    return path
