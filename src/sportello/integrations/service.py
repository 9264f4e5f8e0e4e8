"""Connecting an account to a WhatsApp Business number (from the Integrations page or the CLI),
and asking Meta whether the credentials reach it."""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.accounts import service as accounts_service
from sportello.accounts.actor import Actor
from sportello.accounts.permissions import can_connect_numbers
from sportello.db.unit_of_work import after_commit
from sportello.errors import Forbidden, InvalidInput, NotFound
from sportello.integrations import repository as repo
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.encryption import SecretBox
from sportello.whatsapp.client import GraphApiClient, PhoneNumberInfo
from sportello.whatsapp.errors import GraphApiError

INVALID_TOKEN = 190  # Meta's "Invalid OAuth access token"


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
    after_commit(session, forget_app_secrets)
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


# The app secrets, opened once per process. A webhook is checked against every connected app's
# secret, and reading and opening them (Fernet) per webhook cost more than the rest of the
# ingest. What keeps the copy true:
# - a change made in this process (`connect_whatsapp`) drops it as soon as it commits;
# - a body that matches no secret known here re-reads them before it is refused (at most once a
#   second, so a flood of forgeries cannot turn into a flood of queries): a number connected or
#   re-keyed by another process (the CLI, another web process) is accepted from its first webhook;
# - otherwise the copy is re-read every `REVALIDATE_SECONDS` (one small query, and Fernet only
#   for a ciphertext not seen before), so a secret replaced or a number removed elsewhere stops
#   being accepted within seconds. Within that window an old secret may still be taken as a
#   signer; that is the price of not reading the table on every webhook, and it is bounded.
REVALIDATE_SECONDS = 5.0
MISS_REREAD_SECONDS = 1.0


@dataclass
class _OpenedSecrets:
    numbers: dict[str, list[int]] = field(default_factory=dict)  # app secret → our number ids
    opened: dict[str, str] = field(default_factory=dict)  # ciphertext → secret
    read_at: float = -math.inf  # time.monotonic() of the last read; -inf: never / dropped
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_secrets_by_box: weakref.WeakKeyDictionary[SecretBox, _OpenedSecrets] = weakref.WeakKeyDictionary()


def forget_app_secrets() -> None:
    """Drop every opened copy: the next webhook reads the secrets again."""
    for cached in list(_secrets_by_box.values()):
        cached.read_at = -math.inf


async def _read_secrets(
    session: AsyncSession, box: SecretBox, known: dict[str, str]
) -> tuple[dict[str, list[int]], dict[str, str]]:
    sealed_secrets = await repo.list_sealed_app_secrets(session)
    opened = {sealed: known.get(sealed) or box.open(sealed) for _, sealed in sealed_secrets}
    numbers: dict[str, list[int]] = {}
    for number_id, sealed in sealed_secrets:
        numbers.setdefault(opened[sealed], []).append(number_id)
    return numbers, opened


async def numbers_by_app_secret(session: AsyncSession, *, box: SecretBox) -> dict[str, list[int]]:
    """Every connected number's app secret → our ids of the numbers that have it (numbers of one
    Meta app share its secret), read now."""
    cached = _secrets_by_box.get(box)
    numbers, _ = await _read_secrets(session, box, cached.opened if cached else {})
    return numbers


async def app_secrets(
    sessionmaker: async_sessionmaker[AsyncSession], *, box: SecretBox, after_miss: bool = False
) -> dict[str, list[int]]:
    """`numbers_by_app_secret` from this process's copy, read again when it is older than
    `REVALIDATE_SECONDS`, dropped by a change here, or (`after_miss`) when a body matched none of
    it and the last read is more than `MISS_REREAD_SECONDS` old."""
    cached = _secrets_by_box.get(box)
    if cached is None:
        cached = _secrets_by_box.setdefault(box, _OpenedSecrets())
    limit = MISS_REREAD_SECONDS if after_miss else REVALIDATE_SECONDS
    if time.monotonic() - cached.read_at < limit:
        return cached.numbers
    async with cached.lock:
        if time.monotonic() - cached.read_at < limit:
            return cached.numbers  # read by another request while this one waited
        read_at = time.monotonic()
        async with sessionmaker() as session:
            cached.numbers, cached.opened = await _read_secrets(session, box, cached.opened)
        cached.read_at = read_at
    return cached.numbers


async def find_number(session: AsyncSession, *, phone_number_id: str) -> WhatsAppNumber | None:
    return await repo.find_by_phone_number_id(session, phone_number_id)


async def list_numbers_of_waba(session: AsyncSession, *, waba_id: str) -> list[WhatsAppNumber]:
    return list(await repo.list_by_waba_id(session, waba_id)) if waba_id else []


def access_token(box: SecretBox, number: WhatsAppNumber) -> str:
    return box.open(number.access_token_sealed)


def ensure_may_connect(actor: Actor) -> None:
    if not can_connect_numbers(actor.role):
        raise Forbidden(
            "Only the Owner and Administrators connect WhatsApp numbers.", code="number_changes_not_allowed"
        )


async def has_number(session: AsyncSession, *, account_id: int) -> bool:
    return bool(await repo.list_for_account(session, account_id=account_id))


async def list_numbers(session: AsyncSession, *, account_id: int) -> list[WhatsAppNumber]:
    return list(await repo.list_for_account(session, account_id=account_id))


async def read_number_at_meta(
    session: AsyncSession,
    *,
    box: SecretBox,
    client: GraphApiClient,
    account_id: int,
    phone_number_id: str,
    access_token: str | None,
) -> PhoneNumberInfo:
    """What Meta says of the number with this token, or with the token kept for it when none is
    given (secrets are never sent back to the page, so a saved number is tested with its own).
    A number of this account that Meta now names differently keeps the name Meta shows."""
    phone_number_id = _required(phone_number_id, "phone_number_id", "The phone number id")
    number = await repo.find_by_phone_number_id(session, phone_number_id)
    mine = number if number is not None and number.account_id == account_id else None
    token = (access_token or "").strip()
    if not token:
        if mine is None:
            raise NotFound("There is no such number in this account.", code="number_not_found")
        token = box.open(mine.access_token_sealed)
    try:
        info = await client.get_phone_number(access_token=token, phone_number_id=phone_number_id)
    except GraphApiError as error:
        if error.code == INVALID_TOKEN:
            raise InvalidInput(
                f"Meta refused the access token: {error.message}", code="whatsapp_token_refused", field="access_token"
            ) from error
        raise InvalidInput(
            f"Meta did not answer for this number: {error.message}",
            code="whatsapp_number_unreachable",
            field="phone_number_id",
        ) from error
    if mine is not None and info.display_phone_number:
        mine.display_phone_number = info.display_phone_number[:32]
        await session.flush()
    return info
