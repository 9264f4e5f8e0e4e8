"""A real Sportello on one port, with an integrator's setup (approved API key listing the CRM's
origin, a Chat Manager and a Chat Operator service user with private keys, two contacts), and the
demo CRM on another port, configured as `sportello demo` configures it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sportello.app import create_app
from sportello.demo.crm import CrmConfig, CrmUser, create_crm_app
from sportello.settings import Settings
from support.databases import copy_sqlite
from support.seeding import Integration, seed_integration
from support.servers import free_port, running_server

CUSTOMERS = (
    {"phone": "+393331234567", "first_name": "Giulia", "last_name": "Rossi"},
    {"phone": "+34612345678", "first_name": "Pablo", "last_name": "García"},
)


@dataclass
class CrmWorld:
    sportello_url: str
    crm_url: str
    integration: Integration
    config: CrmConfig
    contacts: list[dict[str, Any]]

    @property
    def manager(self) -> CrmUser:
        return self.config.users[0]

    @property
    def operator(self) -> CrmUser:
        return self.config.users[1]


def _add_operator(sportello_url: str, api_key: str) -> CrmUser:
    headers = {"X-Spoki-Api-Key": api_key}
    added = httpx.post(
        f"{sportello_url}/api/1/roles/add_service_user/",
        headers=headers,
        json={"role": "Chat Operator", "name": "CRM operator desk"},
    )
    assert added.status_code == 201, added.text
    key = httpx.post(f"{sportello_url}/api/1/roles/{added.json()['id']}/generate_private_key/", headers=headers)
    assert key.status_code == 200, key.text
    return CrmUser(
        uid=key.json()["uid"],
        name="CRM operator desk",
        role="Chat Operator",
        email=key.json()["email"],
        private_key=key.json()["private_key"],
    )


@pytest.fixture(scope="module")
def crm_world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[CrmWorld]:
    folder = tmp_path_factory.mktemp("crm")
    sportello_port, crm_port = free_port(), free_port()
    settings = Settings(
        data_dir=folder / "data",
        database_url=copy_sqlite(sqlite_template, folder),
        host="127.0.0.1",
        port=sportello_port,
        log_format="text",
    )
    integration = seed_integration(settings, allowed_origins=[f"http://127.0.0.1:{crm_port}"])
    with running_server(create_app(settings), port=sportello_port) as sportello_url:
        contacts = []
        for customer in CUSTOMERS:
            created = httpx.post(
                f"{sportello_url}/api/1/contacts/", headers={"X-Spoki-Api-Key": integration.api_key}, json=customer
            )
            assert created.status_code == 201, created.text
            contacts.append(created.json())
        manager = CrmUser(
            uid=integration.uid,
            name="CRM integration",
            role="Chat Manager",
            email=integration.email,
            private_key=integration.private_key,
        )
        config = CrmConfig(
            app_url=sportello_url,
            api_url=sportello_url,
            api_key=integration.api_key,
            users=[manager, _add_operator(sportello_url, integration.api_key)],
        )
        with running_server(create_crm_app(config), port=crm_port) as crm_url:
            yield CrmWorld(sportello_url, crm_url, integration, config, contacts)
