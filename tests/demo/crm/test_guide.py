"""The CRM's second page is the embedding guide's own snippet, verbatim but for the two base URLs
(and the credential placeholders, filled in), allowed by its CSP through hashes alone."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter

import httpx
import pytest

from conftest import SHARED_DIR

from .conftest import CrmWorld

GUIDE = (SHARED_DIR / "seed" / "spoki-embedding-guide.txt").read_text(encoding="utf-8")
_SCRIPT = re.compile(r'<script type="application/javascript">(.*?)</script>', re.DOTALL)
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _lines(text: str) -> list[str]:
    """The guide's text lost its indentation, and writes `...` where it leaves code out."""
    return [line.strip() for line in text.splitlines() if line.strip() and line.strip() != "..."]


def _filled(text: str, world: CrmWorld) -> str:
    return (
        text.replace("https://app.spoki.it", world.sportello_url)
        .replace("https://spoki.app", world.sportello_url)
        .replace("{{Api-Key}}", world.config.api_key)
        .replace("{{Email}}", world.manager.email)
        .replace("{{Private-Key}}", world.manager.private_key)
    )


def _is_subsequence(wanted: list[str], lines: list[str]) -> bool:
    remaining = iter(lines)
    return all(any(line == want for line in remaining) for want in wanted)


@pytest.fixture(scope="module")
def guide_page(crm_world: CrmWorld) -> httpx.Response:
    answer = httpx.get(f"{crm_world.crm_url}/guide")
    assert answer.status_code == 200
    return answer


def test_the_page_runs_steps_3_and_4_of_the_guide_with_only_the_base_urls_changed(
    crm_world: CrmWorld, guide_page: httpx.Response
) -> None:
    step_3, step_4 = (_lines(_filled(code, crm_world)) for code in _SCRIPT.findall(GUIDE))
    (script,) = _SCRIPT.findall(guide_page.text)
    assert _is_subsequence(step_3, _lines(script)), "every line of step 3, in order"
    assert _is_subsequence(step_4, _lines(script)), "every line of step 4, in order"
    # Step 4 repeats a few lines of step 3 as context; past those, the only line added is the
    # closing brace of subscribeToSpoki, which step 4 leaves inside a `...`.
    step_4_own = Counter(step_4) - Counter(step_3)
    assert len(_lines(script)) == len(step_3) + step_4_own.total() + 1
    assert "spoki.it" not in script and "spoki.app" not in script
    assert f'fetch("{crm_world.sportello_url}/api/1/auth/get_authentication_token/", requestOptions)' in script
    assert f"`{crm_world.sportello_url}/${{pageSlug}}?auth_token=${{token}}&auth_uid=${{uid}}&language=en`" in script
    assert f'if (event.origin !== "{crm_world.sportello_url}") return;' in script

    (guide_style,) = _STYLE.findall(GUIDE)
    (page_style,) = _STYLE.findall(guide_page.text)
    assert _lines(page_style) == _lines(guide_style)
    assert '<div id="spoki-embedding"></div>' in guide_page.text


def test_the_csp_allows_exactly_the_inline_script_and_style_by_hash(guide_page: httpx.Response) -> None:
    (script,) = _SCRIPT.findall(guide_page.text)
    (style,) = _STYLE.findall(guide_page.text)
    csp = guide_page.headers["content-security-policy"]

    def sha256(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert f"script-src {sha256(script)};" in csp
    assert f"style-src 'self' {sha256(style)};" in csp
    assert "unsafe-inline" not in csp
    assert guide_page.text.count("<script") == 1 and guide_page.text.count("<style") == 1


def test_the_page_says_it_is_the_insecure_pattern_and_links_back(guide_page: httpx.Response) -> None:
    assert "<strong>insecure</strong>" in guide_page.text
    assert '<a href="/">Demo CRM</a>' in guide_page.text
