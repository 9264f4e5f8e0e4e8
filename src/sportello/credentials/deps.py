"""Who may call: an API key (`X-Spoki-Api-Key`), or an embedded frame (`Authorization: Bearer`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from sportello.accounts.actor import Actor
from sportello.accounts.deps import check_csrf, find_signed_in
from sportello.accounts.models import User
from sportello.credentials.caller import ApiCaller
from sportello.credentials.cors import request_origin_is_own
from sportello.credentials.models import ApiKey, FrameSession
from sportello.credentials.origins import origin_allowed
from sportello.credentials.scope import may_change_templates, may_open_chat, may_open_chat_list, reachable_chats
from sportello.credentials.service import api_keys, handshake
from sportello.credentials.writes import TokenWrites
from sportello.errors import Forbidden, RateLimited, Unauthorized
from sportello.kit.deps import AppSettings, AppThrottle, DbSession, client_address
from sportello.kit.i18n import normalise_language
from sportello.kit.schemas import MAX_ID
from sportello.templates import service as templates_service

API_KEY_HEADER = "X-Spoki-Api-Key"


async def _api_key(request: Request, session: DbSession, settings: AppSettings, throttle: AppThrottle) -> ApiKey:
    key = await api_keys.authenticate_api_key(
        session,
        raw_key=request.headers.get(API_KEY_HEADER),
        signing_key=settings.signing_key,
        source=client_address(request),
        throttle=throttle,
    )
    origin = request.headers.get("origin")
    if origin and not request_origin_is_own(request, settings) and not origin_allowed(origin, key.allowed_origins):
        raise Forbidden("This API key may not be used from this web origin.", code="origin_not_allowed")
    # Read by the CORS middleware: this response may be read by that origin.
    request.state.cors_allowed_origin = origin
    if settings.api_rate_per_minute:
        wait = await request.app.state.rate_limiter.hit(
            f"apikey:{key.id}", limit=settings.api_rate_per_minute, window_seconds=60
        )
        if wait:
            raise RateLimited(
                f"Too many requests with this API key: at most {settings.api_rate_per_minute} a minute.",
                retry_after=wait,
            )
    return key


async def _api_caller(key: Annotated[ApiKey, Depends(_api_key)]) -> ApiCaller:
    return ApiCaller(account_id=key.account_id, api_key_id=key.id, allowed_origins=tuple(key.allowed_origins))


async def _credential_writes(request: Request) -> TokenWrites:
    """This app's group commit for the handshake's writes, made on first use."""
    writes: TokenWrites | None = getattr(request.app.state, "credential_writes", None)
    if writes is None:
        writes = request.app.state.credential_writes = TokenWrites(request.app.state.sessionmaker)
    return writes


@dataclass(frozen=True)
class FrameCaller:
    frame: FrameSession
    user: User
    api_key: ApiKey

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user)


async def _frame_caller(request: Request, session: DbSession, settings: AppSettings) -> FrameCaller:
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
    frame, user, key = await handshake.resolve_frame_session(session, secret=secret, signing_key=settings.signing_key)
    return FrameCaller(frame=frame, user=user, api_key=key)


@dataclass(frozen=True)
class Viewer:
    """Whoever uses the web app's pages: an embedded frame (bearer) or a person signed in with
    the full app (cookie + CSRF header). The toggles of a frame are those bound at its exchange."""

    user: User
    language: str
    frame: FrameSession | None
    allowed_origins: tuple[str, ...] = ()

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user)

    @property
    def can_view_chat_list(self) -> bool:
        return self.frame is None or may_open_chat_list(self.frame)

    @property
    def reachable_chats(self) -> tuple[str, ...] | None:
        """`None`: every chat the user's role sees; otherwise only these (a frame bound to its page)."""
        return None if self.frame is None else reachable_chats(self.frame)

    def may_open_chat(self, chat_uuid: str) -> bool:
        return self.frame is None or may_open_chat(self.frame, chat_uuid)

    @property
    def can_reply_in_chat(self) -> bool:
        return self.frame is None or self.frame.can_reply_in_chat

    @property
    def can_send_paypal_in_chat(self) -> bool:
        return self.frame is None or self.frame.can_send_paypal_in_chat


async def _viewer(request: Request, session: DbSession, settings: AppSettings) -> Viewer:
    header = request.headers.get("authorization", "")
    if header:
        caller = await _frame_caller(request, session, settings)
        return Viewer(
            user=caller.user,
            language=caller.frame.language,
            frame=caller.frame,
            allowed_origins=tuple(caller.api_key.allowed_origins),
        )
    signed_in = await find_signed_in(request, session, settings)
    if signed_in is None:
        raise Unauthorized("Your session has ended. Sign in again.", code="not_authenticated")
    check_csrf(request, signed_in)
    return Viewer(user=signed_in.user, language=normalise_language(signed_in.user.language), frame=None)


async def _viewer_of_chat_list(viewer: Annotated[Viewer, Depends(_viewer)]) -> Viewer:
    if not viewer.can_view_chat_list:
        raise Forbidden("This session may not open the chat list.", code="chat_list_not_allowed")
    return viewer


async def _viewer_that_can_reply(viewer: Annotated[Viewer, Depends(_viewer)]) -> Viewer:
    if not viewer.can_reply_in_chat:
        raise Forbidden("This session may read the chat but not write in it.", code="reply_not_allowed")
    return viewer


async def _viewer_that_can_send_paypal(viewer: Annotated[Viewer, Depends(_viewer_that_can_reply)]) -> Viewer:
    if not viewer.can_send_paypal_in_chat:
        raise Forbidden("This session may not send payment requests.", code="paypal_not_allowed")
    return viewer


def _chat_not_allowed() -> Forbidden:
    return Forbidden("This view may open only the chat it was opened on.", code="chat_not_allowed")


ChatUuidInPath = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="The chat's uuid (from chat_link).")]


async def _viewer_of_chat(chat_uuid: ChatUuidInPath, viewer: Annotated[Viewer, Depends(_viewer)]) -> Viewer:
    """Every route that names a chat: a frame reaches only what its page may (`credentials.scope`).
    Refused before the chat is looked up, so the answer says nothing of whether it exists."""
    if not viewer.may_open_chat(chat_uuid):
        raise _chat_not_allowed()
    return viewer


async def _viewer_that_can_reply_in_chat(
    viewer: Annotated[Viewer, Depends(_viewer_of_chat)], _: Annotated[Viewer, Depends(_viewer_that_can_reply)]
) -> Viewer:
    return viewer


async def _viewer_that_can_send_paypal_in_chat(
    viewer: Annotated[Viewer, Depends(_viewer_of_chat)], _: Annotated[Viewer, Depends(_viewer_that_can_send_paypal)]
) -> Viewer:
    return viewer


async def _viewer_that_can_start_chats(viewer: Annotated[Viewer, Depends(_viewer_that_can_reply)]) -> Viewer:
    """A new chat is another chat: only for a session that may reach any chat its role sees."""
    if viewer.reachable_chats is not None:
        raise _chat_not_allowed()
    return viewer


async def _viewer_that_can_change_templates(viewer: Annotated[Viewer, Depends(_viewer)]) -> Viewer:
    """Requesting, submitting or deleting a template: from the templates page only, and by a role
    that may (the templates service's rule: not a Chat Operator)."""
    if viewer.frame is not None and not may_change_templates(viewer.frame):
        raise Forbidden("Templates are changed only from the templates page.", code="template_changes_not_allowed")
    templates_service.ensure_may_manage(viewer.actor)
    return viewer


ApiKeyDep = Annotated[ApiKey, Depends(_api_key)]
CredentialWrites = Annotated[TokenWrites, Depends(_credential_writes)]
ApiKeyCaller = Annotated[ApiCaller, Depends(_api_caller)]
FrameSessionCaller = Annotated[FrameCaller, Depends(_frame_caller)]
PageViewer = Annotated[Viewer, Depends(_viewer)]
PageViewerOfChatList = Annotated[Viewer, Depends(_viewer_of_chat_list)]
PageViewerThatCanReply = Annotated[Viewer, Depends(_viewer_that_can_reply)]
PageViewerThatCanSendPaypal = Annotated[Viewer, Depends(_viewer_that_can_send_paypal)]
PageViewerOfChat = Annotated[Viewer, Depends(_viewer_of_chat)]
PageViewerThatCanReplyInChat = Annotated[Viewer, Depends(_viewer_that_can_reply_in_chat)]
PageViewerThatCanSendPaypalInChat = Annotated[Viewer, Depends(_viewer_that_can_send_paypal_in_chat)]
PageViewerThatCanStartChats = Annotated[Viewer, Depends(_viewer_that_can_start_chats)]
PageViewerThatCanChangeTemplates = Annotated[Viewer, Depends(_viewer_that_can_change_templates)]
RoleUserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id.")]
