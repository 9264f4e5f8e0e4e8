"""Serves the demo CRM in a thread of the demo's process, on the port after Sportello's."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import uvicorn

from sportello.demo.crm.app import create_crm_app
from sportello.demo.crm.config import CrmConfig, CrmUser
from sportello.settings import Settings

if TYPE_CHECKING:
    from sportello.demo.seed import DemoCredentials


def crm_port(settings: Settings) -> int:
    """Port + 1: the API key's allowed origin, `demo_host_origin`, is this port."""
    return settings.port + 1


def crm_config(credentials: DemoCredentials) -> CrmConfig:
    return CrmConfig(
        app_url=credentials.app_url,
        api_url=credentials.api_url,
        api_key=credentials.api_key,
        users=[
            CrmUser(uid=u.uid, name=u.name, role=u.role, email=u.email, private_key=u.private_key)
            for u in credentials.service_users
        ],
    )


def start_crm(settings: Settings, credentials: DemoCredentials) -> None:
    """Serve the CRM in a daemon thread, as the emulator is: it lives and dies with the demo."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_crm_app(crm_config(credentials)), host=settings.host, port=crm_port(settings), log_config=None
        )
    )
    threading.Thread(target=server.run, name="demo-crm", daemon=True).start()
