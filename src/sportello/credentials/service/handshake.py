"""The token handshake: an API key and a user's private key mint a short-lived, single-use token
(with, optionally, a ceiling the host's backend binds); the iframe page exchanges it for a frame
session bound to its page and to the toggles of its address, never wider than that ceiling."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts import repository as accounts_repo
from sportello.accounts.actor import Actor
from sportello.accounts.models import User
from sportello.chats import service as chats_service
from sportello.credentials import repository as repo
from sportello.credentials.models import ApiKey, ApiKeyStatus, AuthToken, FrameSession
from sportello.credentials.scope import Page
from sportello.credentials.writes import TokenWrites
from sportello.errors import Forbidden, InvalidInput, NotFound, SportelloError, Unauthorized
from sportello.kit import secrets as kit_secrets
from sportello.kit.i18n import normalise_language
from sportello.kit.throttle import Limit, Throttle

FAILURES_PER_KEY = Limit(attempts=20, window_seconds=900)
FAILURES_PER_ADDRESS = Limit(attempts=20, window_seconds=900)
# Used or expired tokens are a normal sight (a host reopening an old iframe address), so the
# exchange allows more failures than the handshake before it makes an address wait.
EXCHANGE_FAILURES_PER_ADDRESS = Limit(attempts=60, window_seconds=900)
_THROTTLED = "Too many failed attempts. Wait a few minutes and try again."


@dataclass(frozen=True)
class Toggles:
    can_view_chat_list: bool = True
    can_reply_in_chat: bool = True
    can_send_paypal_in_chat: bool = True


@dataclass(frozen=True)
class Ceiling:
    """What the host's backend allows when it mints a token (`None`: not bound). The iframe's
    address can only narrow it."""

    can_view_chat_list: bool | None = None
    can_reply_in_chat: bool | None = None
    can_send_paypal_in_chat: bool | None = None
    chat_uuid: str | None = None


@dataclass(frozen=True)
class PageOpened:
    """The page a token is exchanged on: the frame session may do what that page may do."""

    page: Page = "chats"
    chat_uuid: str | None = None


def _session_expired() -> Unauthorized:
    return Unauthorized(
        "This session has expired or the link was already used. Reload the page that opened it.",
        code="session_expired",
    )


async def mint_token(
    session: AsyncSession,
    *,
    api_key: ApiKey,
    email: str,
    private_key: str,
    source: str,
    signing_key: bytes,
    ttl_seconds: int,
    throttle: Throttle,
    writes: TokenWrites,
    ceiling: Ceiling = Ceiling(),
) -> tuple[str, User]:
    """Unknown email and wrong private key give the same answer, so no one can list users.
    A `ceiling` is bound to the token; its `chat_uuid` must name a chat the user may see."""
    per_key, per_address = [f"handshake:key:{api_key.id}"], [f"handshake:addr:{source}"]
    await throttle.ensure_not_throttled(per_key, FAILURES_PER_KEY, message=_THROTTLED)
    await throttle.ensure_not_throttled(per_address, FAILURES_PER_ADDRESS, message=_THROTTLED)
    user = await accounts_repo.find_user_by_email(session, email.strip())
    valid = (
        user is not None
        and user.account_id == api_key.account_id
        and user.is_active
        and user.private_key_digest is not None
        and kit_secrets.matches(private_key, user.private_key_digest, signing_key)
    )
    if not valid or user is None:
        await throttle.record_failure(per_key, FAILURES_PER_KEY)
        await throttle.record_failure(per_address, FAILURES_PER_ADDRESS)
        raise Unauthorized("The email or the private key is not right.", code="invalid_credentials")
    if ceiling.chat_uuid is not None:
        await _ensure_chat_visible(session, user, ceiling.chat_uuid)
    token = kit_secrets.new_secret()
    now = datetime.now(UTC)
    # The only write: one row, committed with the other requests' (`credentials.writes`). Expired
    # tokens are forgotten by `credentials.pruner`, never here (a DELETE on every mint held
    # SQLite's write lock for a scan of the table).
    values: dict[str, object] = {
        "digest": kit_secrets.digest(token, signing_key),
        "user_id": user.id,
        "api_key_id": api_key.id,
        "key_generation": user.private_key_generation,
        "expires_at": now + timedelta(seconds=ttl_seconds),
        "max_can_view_chat_list": ceiling.can_view_chat_list,
        "max_can_reply_in_chat": ceiling.can_reply_in_chat,
        "max_can_send_paypal_in_chat": ceiling.can_send_paypal_in_chat,
        "chat_uuid": ceiling.chat_uuid,
        "created_at": now,
    }
    await writes.run(lambda write: repo.insert_token(write, values), ending_reads_of=session)
    return token, user


async def _ensure_chat_visible(session: AsyncSession, user: User, chat_uuid: str) -> None:
    try:
        await chats_service.get_visible_chat(session, actor=Actor.of(user), uuid=chat_uuid)
    except NotFound:
        raise InvalidInput(
            "chat_uuid names no chat this user may see.", code="chat_not_found", field="chat_uuid"
        ) from None


def _bound_scope(used: AuthToken, toggles: Toggles, opened: PageOpened) -> tuple[Toggles, PageOpened]:
    """The session's toggles and page: the address's toggles AND the token's ceiling. A token
    minted for one chat opens only that chat's page, and its session reaches no other chat."""
    if used.chat_uuid is not None and (opened.page != "chat" or opened.chat_uuid != used.chat_uuid):
        raise Forbidden("This token opens only the chat it was minted for.", code="token_bound_to_chat")

    def narrowed(asked: bool, allowed: bool | None) -> bool:
        return asked and allowed is not False

    bound = Toggles(
        can_view_chat_list=narrowed(toggles.can_view_chat_list, used.max_can_view_chat_list) and used.chat_uuid is None,
        can_reply_in_chat=narrowed(toggles.can_reply_in_chat, used.max_can_reply_in_chat),
        can_send_paypal_in_chat=narrowed(toggles.can_send_paypal_in_chat, used.max_can_send_paypal_in_chat),
    )
    return bound, PageOpened(page=opened.page, chat_uuid=opened.chat_uuid if opened.page == "chat" else None)


async def exchange_token(
    session: AsyncSession,
    *,
    token: str,
    uid: str,
    language: str,
    toggles: Toggles,
    signing_key: bytes,
    session_hours: int,
    throttle: Throttle,
    writes: TokenWrites,
    source: str = "",
    opened: PageOpened = PageOpened(),
) -> tuple[str, FrameSession, User, ApiKey]:
    """Use a token (once) and open a frame session; returns the session's secret once.

    Single use means single presentation: a live token is used up by the first exchange that
    presents it, whatever the answer (a wrong `uid`, another page than the one it was minted for,
    a user removed meanwhile): the refusal is committed, so whoever holds a token cannot try uid
    after uid, or page after page, with it. A wrong uid is counted in the throttle, never in the
    database. The token, its user and its key are one indexed read; the only write (the token
    used, the session opened) goes with the other requests' in one commit (`credentials.writes`)."""
    per_address = [f"exchange:addr:{source}"]
    await throttle.ensure_not_throttled(per_address, EXCHANGE_FAILURES_PER_ADDRESS, message=_THROTTLED)
    now = datetime.now(UTC)
    digest = kit_secrets.digest(token, signing_key)
    found = await repo.find_live_token(session, digest, now=now)
    if found is None:
        await throttle.record_failure(per_address, EXCHANGE_FAILURES_PER_ADDRESS)
        raise _session_expired()
    used, user, api_key = found
    refusal: SportelloError | None = None
    frame: FrameSession | None = None
    secret = ""
    # A wrong uid counts toward the address's limit, as an unknown token does.
    wrong_uid = str(used.user_id) != uid.strip()
    if wrong_uid or (
        not user.is_active
        or user.private_key_generation != used.key_generation
        or api_key.status is not ApiKeyStatus.APPROVED
    ):
        refusal = _session_expired()
    else:
        try:
            bound, opened = _bound_scope(used, toggles, opened)
        except SportelloError as error:
            refusal = error
        else:
            secret = kit_secrets.new_secret()
            frame = FrameSession(
                digest=kit_secrets.digest(secret, signing_key),
                public_id=uuid.uuid4().hex,
                user_id=user.id,
                account_id=user.account_id,
                api_key_id=api_key.id,
                key_generation=used.key_generation,
                language=normalise_language(language),
                can_view_chat_list=bound.can_view_chat_list,
                can_reply_in_chat=bound.can_reply_in_chat,
                can_send_paypal_in_chat=bound.can_send_paypal_in_chat,
                page=opened.page,
                chat_uuid=opened.chat_uuid,
                expires_at=now + timedelta(hours=session_hours),
                created_at=now,
            )
    # The token is used up whatever the answer, and the session opened with it in the same
    # transaction: of two exchanges racing with one token, only one wins.
    won = await writes.run(
        lambda write: repo.use_token_and_open(write, digest, now=now, frame=frame), ending_reads_of=session
    )
    if not won or wrong_uid:
        await throttle.record_failure(per_address, EXCHANGE_FAILURES_PER_ADDRESS)
        raise _session_expired()
    if refusal is not None or frame is None:
        raise refusal or _session_expired()
    return secret, frame, user, api_key


async def resolve_frame_session(
    session: AsyncSession, *, secret: str, signing_key: bytes
) -> tuple[FrameSession, User, ApiKey]:
    found = None
    if 0 < len(secret) <= 200:
        found = await repo.find_frame_session(session, kit_secrets.digest(secret, signing_key), now=datetime.now(UTC))
    if found is None:
        raise _session_expired()
    return found


async def framing_origins(
    session: AsyncSession, *, token: str | None, frame_id: str | None, signing_key: bytes
) -> list[str] | None:
    """The allowed origins of the API key behind a page's token or frame, for its `frame-ancestors`:
    `[]` means any origin, `None` that the page names no key (used, expired or unknown tokens
    still name theirs, so their "session expired" screen shows inside the host's frame)."""
    key_id = None
    if token and len(token) <= 200:
        found = await repo.find_token(session, kit_secrets.digest(token, signing_key))
        key_id = found.api_key_id if found else None
    elif frame_id and len(frame_id) <= 32:
        frame = await repo.find_frame_by_public_id(session, frame_id)
        key_id = frame.api_key_id if frame else None
    if key_id is None:
        return None
    key = await session.get(ApiKey, key_id)
    return list(key.allowed_origins) if key is not None else None
