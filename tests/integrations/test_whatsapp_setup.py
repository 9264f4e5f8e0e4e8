"""Connecting a WhatsApp number from the Integrations page's API, against the emulator: what to
paste in Meta's dashboard, Test connection (Meta's `GET /{phone-number-id}`), secrets kept
sealed and never sent back, and who may do it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts.models import Role, User
from sportello.accounts.passwords import hash_password
from sportello.db.unit_of_work import unit_of_work
from sportello.integrations.models import WhatsAppNumber
from sportello.settings import Settings
from support.sessions import sign_in_person
from support.world import World, running_world

PASSWORD = "correct-horse-battery"
OWNER = "owner@shop.example.com"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    configured = settings.model_copy(update={"webhook_verify_token": SecretStr("paste-me-in-meta")})
    with running_world(configured, with_number=False) as world:
        yield world


def _form(world: World, **changes: str) -> dict[str, Any]:
    business = world.business
    return {
        "phone_number_id": business.phone_number_id,
        "waba_id": business.waba_id,
        "access_token": business.access_token,
        "app_secret": business.app_secret,
        **changes,
    }


def _add_user(world: World, role: Role, email: str) -> None:
    async def go(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        async with unit_of_work(sessionmaker) as session:
            session.add(
                User(
                    account_id=world.account_id,
                    email=email,
                    name=email.split("@")[0],
                    role=role,
                    password_hash=hash_password(PASSWORD),
                )
            )

    world.run(go)


def test_a_new_account_is_told_it_has_no_number_and_what_to_paste_in_meta(world: World) -> None:
    with closing(sign_in_person(world.sportello_url, OWNER)) as owner:
        setup = owner.get("/web/api/whatsapp/").json()
    assert setup["connected"] is False and setup["numbers"] == [] and setup["can_connect"] is True
    assert setup["webhook_url"] == f"{world.settings.public_api_url}/webhooks/whatsapp"
    assert setup["verify_token"] == "paste-me-in-meta"


def test_test_connection_reads_the_number_from_meta_then_the_number_is_connected(world: World) -> None:
    with closing(sign_in_person(world.sportello_url, OWNER)) as owner:
        tested = owner.post(
            "/web/api/whatsapp/test/",
            json={"phone_number_id": world.business.phone_number_id, "access_token": world.business.access_token},
        )
        assert tested.status_code == 200, tested.text
        assert tested.json() == {
            "phone_number_id": world.business.phone_number_id,
            "verified_name": world.business.verified_name,
            "display_phone_number": "+1 555-078-3881",
            "quality_rating": "GREEN",
        }
        refused = owner.post(
            "/web/api/whatsapp/test/", json={"phone_number_id": world.business.phone_number_id, "access_token": "wrong"}
        )
        assert refused.status_code == 400 and refused.json()["code"] == "whatsapp_token_refused"
        unknown = owner.post(
            "/web/api/whatsapp/test/",
            json={"phone_number_id": "123456789", "access_token": world.business.access_token},
        )
        assert unknown.status_code == 400 and unknown.json()["code"] == "whatsapp_number_unreachable"

        connected = owner.post("/web/api/whatsapp/numbers/", json=_form(world))
        assert connected.status_code == 200, connected.text
        assert set(connected.json()) == {"phone_number_id", "waba_id", "display_phone_number"}, "no secret sent back"
        setup = owner.get("/web/api/whatsapp/").json()
        assert setup["connected"] is True and [n["phone_number_id"] for n in setup["numbers"]] == [
            world.business.phone_number_id
        ]
        assert world.business.access_token not in owner.get("/web/api/whatsapp/").text
        # Saved: tested again with the token kept for it, none typed.
        again = owner.post("/web/api/whatsapp/test/", json={"phone_number_id": world.business.phone_number_id})
        assert again.status_code == 200 and again.json()["verified_name"] == world.business.verified_name

    async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> WhatsAppNumber:
        async with sessionmaker() as session:
            return (await session.scalars(select(WhatsAppNumber))).one()

    number = world.run(stored)
    assert number.account_id == world.account_id and number.display_phone_number == "+1 555-078-3881"
    assert world.business.access_token not in number.access_token_sealed, "sealed, not stored in clear"
    assert world.business.app_secret not in number.app_secret_sealed


def test_only_the_owner_and_administrators_connect(world: World) -> None:
    _add_user(world, Role.ADMINISTRATOR, "admin@shop.example.com")
    _add_user(world, Role.CHAT_MANAGER, "manager@shop.example.com")
    with closing(sign_in_person(world.sportello_url, "manager@shop.example.com")) as manager:
        setup = manager.get("/web/api/whatsapp/").json()
        assert setup["can_connect"] is False and setup["verify_token"] is None
        for path in ("/web/api/whatsapp/numbers/", "/web/api/whatsapp/test/"):
            refused = manager.post(path, json=_form(world) if "numbers" in path else {"phone_number_id": "1"})
            assert refused.status_code == 403 and refused.json()["code"] == "number_changes_not_allowed"
    with closing(sign_in_person(world.sportello_url, "admin@shop.example.com")) as admin:
        assert admin.post("/web/api/whatsapp/numbers/", json=_form(world)).status_code == 200
        assert len(admin.get("/web/api/whatsapp/").json()["numbers"]) == 1
    with closing(sign_in_person(world.sportello_url, "manager@shop.example.com")) as manager:
        setup = manager.get("/web/api/whatsapp/").json()
        assert setup["connected"] is True and setup["numbers"] == [], "the ids only to those who manage them"
    with closing(sign_in_person(world.sportello_url, OWNER, csrf=False)) as no_csrf:
        assert no_csrf.post("/web/api/whatsapp/numbers/", json=_form(world)).status_code == 403


def test_a_saved_number_of_another_account_is_not_tested_with_its_token(world: World) -> None:
    with closing(sign_in_person(world.sportello_url, OWNER)) as owner:
        missing = owner.post("/web/api/whatsapp/test/", json={"phone_number_id": "999"})
        assert missing.status_code == 404 and missing.json()["code"] == "number_not_found"
