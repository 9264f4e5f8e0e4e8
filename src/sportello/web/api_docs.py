"""The browsable API docs (Swagger UI) at `/api/1/docs/`.

Swagger UI's script and styles come from its CDN and it starts with an inline script, so this
one page, which shows no user content, gets a policy that allows exactly that."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDN}; style-src 'self' 'unsafe-inline' {CDN}; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'"
)


@router.get("/api/1/docs/")
async def api_docs() -> HTMLResponse:
    page = get_swagger_ui_html(openapi_url="/api/1/schema/", title="Sportello API")
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page
