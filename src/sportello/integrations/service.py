"""Connecting an account to a WhatsApp Business number (the operator does it from the CLI)."""

from __future__ import annotations

import weakref

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import service as accounts_service
from sportello.errors import InvalidInput
from sportello.integrations import repository as repo
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.encryption import SecretBox


def _required(value: str, field: str, label: str) -> str:
    value = value.strip()
    if not value or len(value) > 1000:
        raise InvalidInput(f"{label} is required (at most 1000 characters).", field=field)
    return value


async def connect_whatsapp(
    session: AsyncSession,
    *,
    box: SecretBox,
    account_id: int,
    phone_number_id: str,
    waba_id: str,
    access_token: str,
    app_secret: str,
    display_phone_number: str | None = None,
) -> WhatsAppNumber:
    """Connect a number, or update its credentials when it is already connected to this account."""
    await accounts_service.get_account(session, account_id)
    phone_number_id = _required(phone_number_id, "phone_number_id", "The phone number id")
    if not phone_number_id.isdigit():
        raise InvalidInput("The phone number id is the number Meta shows, digits only.", field="phone_number_id")
    waba_id = _required(waba_id, "waba_id", "The WhatsApp Business account id")
    sealed_token = box.seal(_required(access_token, "access_token", "The access token"))
    sealed_secret = box.seal(_required(app_secret, "app_secret", "The app secret"))
    existing = await repo.find_by_phone_number_id(session, phone_number_id)
    if existing is not None:
        if existing.account_id != account_id:
            raise InvalidInput(
                "This phone number id is connected to another account.",
                code="number_taken",
                field="phone_number_id",
            )
        existing.waba_id = waba_id
        existing.access_token_sealed = sealed_token
        existing.app_secret_sealed = sealed_secret
        existing.display_phone_number = display_phone_number or existing.display_phone_number
        await session.flush()
        return existing
    return await repo.insert(
        session,
        WhatsAppNumber(
            account_id=account_id,
            phone_number_id=phone_number_id,
            waba_id=waba_id,
            display_phone_number=display_phone_number,
            access_token_sealed=sealed_token,
            app_secret_sealed=sealed_secret,
        ),
    )


# Opened app secrets by ciphertext, per box: a webhook is checked against every app's secret,
# and Fernet is too slow to run once per number per webhook. Keyed by the ciphertext, so a
# secret changed by `connect_whatsapp` (here or in another process: the CLI) is a new key, read
# on the next webhook, and the old one is dropped.
_opened_secrets: weakref.WeakKeyDictionary[SecretBox, dict[str, str]] = weakref.WeakKeyDictionary()


async def numbers_by_app_secret(session: AsyncSession, *, box: SecretBox) -> dict[str, list[int]]:
    """Every connected number's app secret → our ids of the numbers that have it (numbers of one
    Meta app share its secret)."""
    sealed_secrets = await repo.list_sealed_app_secrets(session)
    known = _opened_secrets.get(box, {})
    opened = {sealed: known.get(sealed) or box.open(sealed) for _, sealed in sealed_secrets}
    _opened_secrets[box] = opened
    numbers: dict[str, list[int]] = {}
    for number_id, sealed in sealed_secrets:
        numbers.setdefault(opened[sealed], []).append(number_id)
    return numbers


async def find_number(session: AsyncSession, *, phone_number_id: str) -> WhatsAppNumber | None:
    return await repo.find_by_phone_number_id(session, phone_number_id)


async def list_numbers_of_waba(session: AsyncSession, *, waba_id: str) -> list[WhatsAppNumber]:
    return list(await repo.list_by_waba_id(session, waba_id)) if waba_id else []


def access_token(box: SecretBox, number: WhatsAppNumber) -> str:
    return box.open(number.access_token_sealed)
