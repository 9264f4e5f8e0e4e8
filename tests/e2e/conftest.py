"""The browser every page test drives: one Chromium context a test module, a fresh tab a test.
A module that needs another viewport or locale defines its own `browser_context`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from support.browser import chromium


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        context.set_default_timeout(15_000)
        yield context
        context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Page]:
    page = browser_context.new_page()
    yield page
    page.close()
