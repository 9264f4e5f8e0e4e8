"""The demo account shows every tab working on first open: approved templates (a header variable
and buttons, a plain one, body variables), PayPal on with its payment templates approved, two
quick replies; seeding again adds nothing, and the emulator is told exactly what is approved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.demo.seed import seed_demo
from sportello.demo.showcase import DEMO_TEMPLATES, emulator_templates
from sportello.kit.pagination import PageRequest
from sportello.payments import service as payments_service
from sportello.quick_replies import service as quick_replies_service
from sportello.settings import Settings
from sportello.templates import service as templates_service
from sportello.templates.models import TemplateStatus


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


async def _seed(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    async with unit_of_work(sessionmaker) as session:
        return (await seed_demo(session, settings, {})).account_id


async def _state(sessionmaker: async_sessionmaker[AsyncSession], account_id: int) -> dict[str, Any]:
    async with sessionmaker() as session:
        _, templates = await templates_service.list_templates(
            session, account_id=account_id, search=None, page=PageRequest(1, 100)
        )
        _, replies = await quick_replies_service.list_quick_replies(
            session, account_id=account_id, search=None, page=PageRequest(1, 100)
        )
        paypal = await payments_service.get_settings(session, account_id=account_id)
        held = await emulator_templates(session, account_id=account_id)
        return {
            "templates": {(t.name, t.language): t for t in templates},
            "replies": [r.title for r in replies],
            "paypal": paypal,
            "held": held,
        }


async def test_the_demo_account_has_approved_templates_paypal_and_quick_replies(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    account_id = await _seed(sessionmaker, settings)
    seeded = await _state(sessionmaker, account_id)
    templates = seeded["templates"]
    for data in DEMO_TEMPLATES:
        assert templates[(data.name, data.language)].status is TemplateStatus.APPROVED
    header_and_buttons = templates[("order_ready", "it")].components
    assert "%%" in header_and_buttons["header"] and len(header_and_buttons["buttons"]) >= 2
    assert "%%" not in templates[("thanks_for_visiting", "it")].components["body"]
    assert len(templates_service.order_of(templates[("delivery_update", "es")])) == 3
    payment = [t for t in templates.values() if templates_service.is_payment_template(t)]
    assert {t.language for t in payment} == {"it", "en", "es"}
    assert all(t.status is TemplateStatus.APPROVED for t in payment)
    assert seeded["paypal"] is not None and seeded["paypal"].enabled
    assert seeded["replies"] == ["Orari", "Taglie"]
    assert {(h.name, h.language) for h in seeded["held"]} == set(templates), "the emulator holds every one"


async def test_seeding_again_adds_nothing_and_keeps_the_ids_meta_knows(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    account_id = await _seed(sessionmaker, settings)
    first = await _state(sessionmaker, account_id)
    assert await _seed(sessionmaker, settings) == account_id
    again = await _state(sessionmaker, account_id)
    assert again["replies"] == first["replies"]
    assert {k: t.meta_template_id for k, t in again["templates"].items()} == {
        k: t.meta_template_id for k, t in first["templates"].items()
    }
