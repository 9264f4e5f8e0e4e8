"""Receiving Meta's webhooks: check the signature over the raw bytes, store them with who signed
them, answer. Nothing is parsed here, so no body that Meta signed is ever lost to a parser.

The path is short on purpose: the app secrets come from this process's copy (see
`integrations.service.app_secrets`), and the body goes to the group-commit writer; no session
is opened per webhook."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.errors import Unauthorized
from sportello.integrations import service as integrations_service
from sportello.kit.encryption import SecretBox
from sportello.webhooks.writer import writer_for
from sportello.whatsapp.signature import verify_signature


def _signers(numbers: dict[str, list[int]], body: bytes, signature: str | None) -> list[int]:
    return sorted(
        number_id
        for secret, number_ids in numbers.items()
        if verify_signature(body, signature, secret)
        for number_id in number_ids
    )


async def receive(
    sessionmaker: async_sessionmaker[AsyncSession], *, body: bytes, signature: str | None, box: SecretBox
) -> list[int]:
    """Store a body signed with a connected number's app secret; returns once it is committed.
    Which numbers' secret it was is stored with it: processing files each entry only under a
    number among them."""
    signed_by = _signers(await integrations_service.app_secrets(sessionmaker, box=box), body, signature)
    if not signed_by:
        # Perhaps a number connected (or re-keyed) by another process a moment ago.
        numbers = await integrations_service.app_secrets(sessionmaker, box=box, after_miss=True)
        signed_by = _signers(numbers, body, signature)
    if not signed_by:
        raise Unauthorized("The X-Hub-Signature-256 header does not match the body.", code="invalid_signature")
    await writer_for(sessionmaker).store(body, signed_by)
    return signed_by
