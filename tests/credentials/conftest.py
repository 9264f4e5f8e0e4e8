"""Credentials fixtures: a live server on a real port, a real SMTP server, signed-in owners."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sportello.app import create_app
from sportello.settings import Settings
from support.servers import running_server
from support.smtp import Inbox, smtp_server


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, inbox: tuple[Inbox, int]) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        log_format="text",
        smtp_host="127.0.0.1",
        smtp_port=inbox[1],
        mail_poll_seconds=0.2,
    )


@pytest.fixture
def live_url(settings: Settings) -> Iterator[str]:
    with running_server(create_app(settings)) as url:
        yield url
