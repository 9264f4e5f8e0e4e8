"""The contrast check the page tests rely on tells low contrast from enough (it can fail)."""

from __future__ import annotations

import pytest

from support.browser import chromium
from support.contrast import contrast_failures

pytestmark = pytest.mark.browser

PAGE = """<body style="background:#f5f7fa">
<p id="ok" style="color:#1c2430">Readable</p>
<p style="color:#aaaaaa;background:#ffffff">Too pale</p>
<div style="background:#0b6e4f"><span style="color:#ffffff">White on green</span></div>
<div style="background:#0b6e4f"><span style="color:rgba(255,255,255,.35)">Faint on green</span></div>
<h1 style="color:#888888;font-size:32px;background:#ffffff">Large grey heading</h1>
<p style="display:none;color:#eee">Hidden</p>
</body>"""


def test_the_check_finds_exactly_the_low_contrast_texts() -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(PAGE)
        assert [f["text"] for f in contrast_failures(page)] == ["Too pale", "Faint on green"]
        page.close()
