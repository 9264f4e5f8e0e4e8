"""The ingest baseline: a bare FastAPI endpoint that reads the body and checks Meta's HMAC, nothing
else (run in its own uvicorn by the harness, with the app secret in BARE_APP_SECRET)."""

from __future__ import annotations

import hashlib
import hmac
import os

from fastapi import FastAPI, Request, Response

app = FastAPI()
_SECRET = os.environ.get("BARE_APP_SECRET", "").encode()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/webhooks/whatsapp")
async def webhook(request: Request) -> Response:
    body = await request.body()
    expected = "sha256=" + hmac.new(_SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("x-hub-signature-256", "")):
        return Response(status_code=401)
    return Response(status_code=200)
