"""Receiving Meta's webhooks: check the signature over the raw bytes, store them, answer.
Nothing is parsed here, so no body that Meta signed is ever lost to a parser."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.db.unit_of_work import after_commit
from sportello.errors import Unauthorized
from sportello.integrations import service as integrations_service
from sportello.kit.encryption import SecretBox
from sportello.webhooks import repository as repo
from sportello.webhooks.models import WebhookEvent
from sportello.webhooks.processor import wake_local_processors
from sportello.whatsapp.signature import verify_signature


async def receive(session: AsyncSession, *, body: bytes, signature: str | None, box: SecretBox) -> WebhookEvent:
    secrets = await integrations_service.app_secrets(session, box=box)
    if not any(verify_signature(body, signature, secret) for secret in secrets):
        raise Unauthorized("The X-Hub-Signature-256 header does not match the body.", code="invalid_signature")
    event = await repo.insert(session, WebhookEvent(body=body))
    after_commit(session, wake_local_processors)
    return event
