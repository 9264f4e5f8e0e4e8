"""Debian's Chromium, driven by Playwright, with the flags this machine needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, Frame, Page, sync_playwright
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def frame_of(page: Page, index: int = 0) -> Frame:
    """The host page's iframe number `index` (the host names them frame0, frame1, …)."""
    page.wait_for_function(f"document.querySelectorAll('iframe')[{index}]?.contentWindow")
    frame = page.frame(name=f"frame{index}")
    assert frame is not None
    return frame


def as_the_frame(frame: Frame, method: str, path: str, body: dict[str, Any] | None = None) -> int:
    """A call with the frame's own session, as its page would make it: the answer's status."""
    status: int = frame.evaluate(
        """async ([method, path, body]) => {
            const id = new URLSearchParams(location.search).get("frame");
            let secret = null;
            try { secret = sessionStorage.getItem("sportello.frame." + id); } catch {}
            secret = secret || decodeURIComponent(location.hash.slice("#s=".length));
            const answer = await fetch(path, { method, body: body && JSON.stringify(body),
              headers: { Authorization: "Bearer " + secret, "Content-Type": "application/json" } });
            return answer.status;
        }""",
        [method, path, body],
    )
    return status


def host_app(page_html: str, script_js: str) -> Starlette:
    """A host CRM on its own origin: its page at `/` and the script that builds its frames at `/host.js`."""

    async def page(_request: object) -> HTMLResponse:
        return HTMLResponse(page_html)

    async def script(_request: object) -> Response:
        return Response(script_js, media_type="text/javascript")

    return Starlette(routes=[Route("/", page), Route("/host.js", script)])
