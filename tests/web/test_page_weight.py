"""What an embedded page makes the browser download: its module graph and stylesheets stay under
50 KB gzipped, so the iframe opens fast inside someone else's page."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "sportello" / "web" / "static"
BUDGET = 50 * 1024
IMPORT = re.compile(r"""^\s*import\s+(?:[^'"]*?from\s+)?["'](\.[^"']+)["']""", re.M)
STYLESHEETS = ["css/app.css", "css/inbox.css", "css/templates.css"]


def module_graph(entry: Path) -> set[Path]:
    seen: set[Path] = set()
    pending = [entry]
    while pending:
        module = pending.pop().resolve()
        if module in seen:
            continue
        seen.add(module)
        pending.extend(module.parent / spec for spec in IMPORT.findall(module.read_text()))
    return seen


@pytest.mark.parametrize("page", ["chats_page.js", "chat_page.js", "templates_page.js"])
def test_an_embedded_page_weighs_less_than_50_kb_gzipped(page: str) -> None:
    entry = STATIC / "js" / "inbox" / page
    if not entry.exists():
        pytest.fail(f"{page} is missing")
    files = module_graph(entry) | {STATIC / css for css in STYLESHEETS}
    assert all(file.exists() for file in files), sorted(str(f) for f in files if not f.exists())
    weight = sum(len(gzip.compress(file.read_bytes(), 9)) for file in files)
    assert len(files) > 5 and 0 < weight <= BUDGET, weight
