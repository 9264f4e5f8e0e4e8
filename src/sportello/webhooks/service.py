"""Receiving Meta's webhooks: check the signature over the raw bytes, store them with who signed
them, answer. Nothing is parsed here, so no body that Meta signed is ever lost to a parser."""

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
    """Store a body signed with a connected number's app secret. Which numbers' secret it was is
    stored with it: processing files each entry only under a number among them."""
    numbers = await integrations_service.numbers_by_app_secret(session, box=box)
    signed_by = sorted(
        number_id
        for secret, number_ids in numbers.items()
        if verify_signature(body, signature, secret)
        for number_id in number_ids
    )
    if not signed_by:
        raise Unauthorized("The X-Hub-Signature-256 header does not match the body.", code="invalid_signature")
    event = await repo.insert(session, WebhookEvent(body=body, signed_by=signed_by))
    after_commit(session, wake_local_processors)
    return event
