"""Credentials over HTTP: the handshake and frame sessions, the roles endpoints of the API, and
the Integrations / API calls of the web app. HTTP only: the rules are in `service/`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from sportello.accounts.deps import SignedInUser
from sportello.accounts.models import User
from sportello.accounts.routes import user_read
from sportello.accounts.schemas import UserRead
from sportello.credentials.deps import (
    ApiKeyCaller,
    ApiKeyDep,
    CredentialWrites,
    FrameSessionCaller,
    PageViewer,
    RoleUserId,
)
from sportello.credentials.models import ApiKey, FrameSession
from sportello.credentials.schemas import (
    AllowedOriginsUpdate,
    ApiKeyCreated,
    ApiKeyRead,
    ApiKeyRequest,
    ExchangeIn,
    FrameSessionOpened,
    FrameSessionOut,
    FrameUser,
    HasPrivateKeyOut,
    Permissions,
    PrivateKeyOut,
    ServiceUserCreate,
    ServiceUserRead,
    TokenOut,
    TokenRequest,
    ViewerOut,
)
from sportello.credentials.service import api_keys, handshake, private_keys
from sportello.kit.deps import AppSettings, AppThrottle, DbSession, client_address
from sportello.kit.schemas import ERROR_RESPONSES, MAX_ID

api_router = APIRouter(prefix="/api/1", tags=["authentication"], responses=ERROR_RESPONSES)
web_router = APIRouter(prefix="/web/api", tags=["web app"], include_in_schema=False)
ApiKeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="The API key's id.")]


@api_router.post(
    "/auth/get_authentication_token/",
    summary="Mint a single-use token for a user",
    responses={
        400: {"description": "Malformed body"},
        401: {"description": "Unknown API key, or wrong email or private key"},
        403: {"description": "API key not approved, revoked, or not for this origin"},
        429: {"description": "Too many failed attempts (see Retry-After)"},
    },
)
async def get_authentication_token(
    body: TokenRequest,
    api_key: ApiKeyDep,
    request: Request,
    session: DbSession,
    settings: AppSettings,
    throttle: AppThrottle,
    writes: CredentialWrites,
) -> TokenOut:
    """The guide's step 2: `X-Spoki-Api-Key` and a user's email and private key give a token for
    the iframe's `auth_token` and `auth_uid`. Best called by the host's backend, so the private key
    never reaches a browser. The backend may also bind a ceiling: the toggles it sets to `false`
    stay off whatever the iframe's address says, and a `chat_uuid` makes the token open only that
    chat (the safe pattern: a user who copies the iframe's address cannot widen it)."""
    token, user = await handshake.mint_token(
        session,
        api_key=api_key,
        email=body.email,
        private_key=body.private_key,
        source=client_address(request),
        signing_key=settings.signing_key,
        ttl_seconds=settings.token_ttl_seconds,
        throttle=throttle,
        writes=writes,
        ceiling=handshake.Ceiling(
            can_view_chat_list=body.can_view_chat_list,
            can_reply_in_chat=body.can_reply_in_chat,
            can_send_paypal_in_chat=body.can_send_paypal_in_chat,
            chat_uuid=body.chat_uuid,
        ),
    )
    return TokenOut(token=token, uid=str(user.id))


def _frame_out(frame: FrameSession, user: User, api_key: ApiKey) -> FrameSessionOut:
    return FrameSessionOut(
        account_id=frame.account_id,
        user=FrameUser(id=user.id, name=user.name, email=user.email, role=user.role),
        language=frame.language,
        permissions=Permissions(
            can_view_chat_list=frame.can_view_chat_list,
            can_reply_in_chat=frame.can_reply_in_chat,
            can_send_paypal_in_chat=frame.can_send_paypal_in_chat,
        ),
        allowed_origins=list(api_key.allowed_origins),
        expires_at=frame.expires_at,
    )


@api_router.post("/auth/exchange/", summary="Exchange a token for a frame session")
async def exchange(
    request: Request,
    body: ExchangeIn,
    session: DbSession,
    settings: AppSettings,
    throttle: AppThrottle,
    writes: CredentialWrites,
) -> FrameSessionOpened:
    """Called by the iframe page with the `auth_token` and `auth_uid` of its address, and the page
    it is on. The token is used up; the page and the toggles (never wider than the token's
    ceiling) are bound to the new session and enforced by the server."""
    secret, frame, user, api_key = await handshake.exchange_token(
        session,
        token=body.token,
        uid=body.uid,
        language=body.language,
        toggles=handshake.Toggles(
            can_view_chat_list=body.can_view_chat_list,
            can_reply_in_chat=body.can_reply_in_chat,
            can_send_paypal_in_chat=body.can_send_paypal_in_chat,
        ),
        signing_key=settings.signing_key,
        session_hours=settings.frame_session_hours,
        throttle=throttle,
        writes=writes,
        source=client_address(request),
        opened=handshake.PageOpened(page=body.page, chat_uuid=body.chat_uuid),
    )
    return FrameSessionOpened(
        session=secret, frame_id=frame.public_id or "", **_frame_out(frame, user, api_key).model_dump()
    )


@api_router.get("/auth/frame_session/", summary="The calling frame's session")
async def frame_session(caller: FrameSessionCaller) -> FrameSessionOut:
    return _frame_out(caller.frame, caller.user, caller.api_key)


@api_router.post(
    "/roles/add_service_user/",
    status_code=status.HTTP_201_CREATED,
    tags=["roles"],
    summary="Add a service user",
)
async def add_service_user(body: ServiceUserCreate, caller: ApiKeyCaller, session: DbSession) -> ServiceUserRead:
    user = await private_keys.add_service_user(session, caller=caller, name=body.name, role=body.role)
    return ServiceUserRead.model_validate(user)


@api_router.post("/roles/{user_id}/generate_private_key/", tags=["roles"], summary="Generate a new private key")
async def generate_private_key(
    user_id: RoleUserId, caller: ApiKeyCaller, session: DbSession, settings: AppSettings
) -> PrivateKeyOut:
    """Answers the key once. The old key, and every token and frame session minted with it, stop working."""
    key, user = await private_keys.rotate_private_key(
        session, caller=caller, user_id=user_id, signing_key=settings.signing_key
    )
    return PrivateKeyOut(uid=str(user.id), email=user.email, private_key=key)


@api_router.get("/roles/{user_id}/has_private_key/", tags=["roles"], summary="Whether a user has a private key")
async def has_private_key(user_id: RoleUserId, caller: ApiKeyCaller, session: DbSession) -> HasPrivateKeyOut:
    return HasPrivateKeyOut(has_private_key=await private_keys.has_private_key(session, caller=caller, user_id=user_id))


# The web app (signed-in Owner or Administrator).


@web_router.get("/api-keys/")
async def list_api_keys(signed_in: SignedInUser, session: DbSession) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(k) for k in await api_keys.list_api_keys(session, actor=signed_in.actor)]


@web_router.post("/api-keys/", status_code=status.HTTP_201_CREATED)
async def request_api_key(
    body: ApiKeyRequest, signed_in: SignedInUser, session: DbSession, settings: AppSettings
) -> ApiKeyCreated:
    raw, key = await api_keys.request_api_key(
        session,
        actor=signed_in.actor,
        motivation=body.motivation,
        allowed_origins=body.allowed_origins,
        signing_key=settings.signing_key,
    )
    return ApiKeyCreated(api_key=raw, **ApiKeyRead.model_validate(key).model_dump())


@web_router.patch("/api-keys/{key_id}/")
async def update_allowed_origins(
    key_id: ApiKeyId, body: AllowedOriginsUpdate, signed_in: SignedInUser, session: DbSession
) -> ApiKeyRead:
    key = await api_keys.update_allowed_origins(
        session, actor=signed_in.actor, key_id=key_id, origins=body.allowed_origins
    )
    return ApiKeyRead.model_validate(key)


@web_router.post("/api-keys/{key_id}/revoke/")
async def revoke_api_key(key_id: ApiKeyId, signed_in: SignedInUser, session: DbSession) -> ApiKeyRead:
    return ApiKeyRead.model_validate(await api_keys.revoke_api_key(session, actor=signed_in.actor, key_id=key_id))


@web_router.post("/service-users/", status_code=status.HTTP_201_CREATED)
async def add_service_user_from_app(body: ServiceUserCreate, signed_in: SignedInUser, session: DbSession) -> UserRead:
    user = await private_keys.add_service_user(session, caller=signed_in.actor, name=body.name, role=body.role)
    return user_read(user)


@web_router.post("/users/{user_id}/private-key/")
async def generate_private_key_from_app(
    user_id: RoleUserId, signed_in: SignedInUser, session: DbSession, settings: AppSettings
) -> PrivateKeyOut:
    key, user = await private_keys.rotate_private_key(
        session, caller=signed_in.actor, user_id=user_id, signing_key=settings.signing_key
    )
    return PrivateKeyOut(uid=str(user.id), email=user.email, private_key=key)


@web_router.get("/viewer/")
async def viewer_info(viewer: PageViewer) -> ViewerOut:
    user = viewer.user
    return ViewerOut(
        account_id=user.account_id,
        user=FrameUser(id=user.id, name=user.name, email=user.email, role=user.role),
        language=viewer.language,
        in_frame=viewer.frame is not None,
        permissions=Permissions(
            can_view_chat_list=viewer.can_view_chat_list,
            can_reply_in_chat=viewer.can_reply_in_chat,
            can_send_paypal_in_chat=viewer.can_send_paypal_in_chat,
        ),
        allowed_origins=list(viewer.allowed_origins),
        notify_new_messages=user.notify_new_messages,
    )
