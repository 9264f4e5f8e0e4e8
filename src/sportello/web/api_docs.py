"""The browsable API docs (Swagger UI) at `/api/1/docs/`.

Swagger UI is served from this package (`static/swagger-ui/`, see its README) and started by a
script file of ours, so the page works offline, runs no third party's code and needs no inline
script or style: it gets the base policy of every page (`web/security_headers.py`, `'self'`
only, never framed). (React sets styles through the DOM, which that policy allows.)"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

SCHEMA_URL = "/api/1/schema/"
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sportello API</title>
<link rel="icon" href="/static/key.svg">
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-schema-url="{SCHEMA_URL}"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script type="module" src="/static/js/api_docs.js"></script>
</body>
</html>
"""


@router.get("/api/1/docs/")
async def api_docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)
