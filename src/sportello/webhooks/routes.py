"""`/webhooks/whatsapp`: Meta's verification (GET) and deliveries (POST)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.kit.deps import AppSecretBox, AppSettings
from sportello.webhooks import service
from sportello.whatsapp.signature import check_verification

# Meta's endpoint, not the integrators': kept out of the published API schema.
router = APIRouter(tags=["whatsapp webhooks"], include_in_schema=False)
OptionalText = Annotated[str | None, Query(max_length=500)]


@router.get("/webhooks/whatsapp", response_class=PlainTextResponse, summary="Meta's subscription check")
async def verify(
    settings: AppSettings,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=50)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=500)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=500)] = None,
) -> PlainTextResponse:
    expected = settings.webhook_verify_token.get_secret_value() if settings.webhook_verify_token else None
    return PlainTextResponse(check_verification(mode, token, challenge, expected or ""))


@router.post("/webhooks/whatsapp", summary="Meta's webhook deliveries")
async def receive(request: Request, box: AppSecretBox) -> dict[str, str]:
    """Stored as received (committed before the answer, with other webhooks of the moment),
    processed after the answer (and replayable). No unit of work: the writer owns the commit."""
    body = await request.body()
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    await service.receive(sessionmaker, body=body, signature=request.headers.get("x-hub-signature-256"), box=box)
    return {"status": "received"}
