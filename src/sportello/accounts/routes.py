"""The Users & Roles API the full web app calls (session cookie). HTTP only: the rules are in the service."""

from __future__ import annotations

from fastapi import APIRouter, status

from sportello.accounts import service
from sportello.accounts.deps import SignedInUser, UserId
from sportello.accounts.models import User
from sportello.accounts.schemas import (
    AccountSettingsRead,
    AccountSettingsUpdate,
    NotificationsRead,
    NotificationsUpdate,
    RoleChange,
    UserCreate,
    UserRead,
)
from sportello.credentials.deps import PageViewer
from sportello.kit.deps import DbSession

router = APIRouter(prefix="/web/api", tags=["web app"], include_in_schema=False)


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        user_type=user.user_type,
        language=user.language,
        is_active=user.is_active,
        has_private_key=user.private_key_digest is not None,
        created_at=user.created_at,
    )


@router.get("/me/", summary="The signed-in user")
async def me(signed_in: SignedInUser) -> UserRead:
    return user_read(signed_in.user)


@router.get("/users/", summary="The account's users")
async def list_users(signed_in: SignedInUser, session: DbSession) -> list[UserRead]:
    return [user_read(u) for u in await service.list_users(session, actor=signed_in.actor)]


@router.post("/users/", status_code=status.HTTP_201_CREATED, summary="Add a user to the account")
async def add_user(data: UserCreate, signed_in: SignedInUser, session: DbSession) -> UserRead:
    return user_read(await service.add_user(session, actor=signed_in.actor, data=data))


@router.get("/users/{user_id}/", summary="One user of the account")
async def get_user(user_id: UserId, signed_in: SignedInUser, session: DbSession) -> UserRead:
    return user_read(await service.get_user(session, actor=signed_in.actor, user_id=user_id))


@router.patch("/users/{user_id}/", summary="Change a user's role")
async def change_role(user_id: UserId, data: RoleChange, signed_in: SignedInUser, session: DbSession) -> UserRead:
    return user_read(await service.change_role(session, actor=signed_in.actor, user_id=user_id, role=data.role))


@router.delete("/users/{user_id}/", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a user")
async def remove_user(user_id: UserId, signed_in: SignedInUser, session: DbSession) -> None:
    await service.remove_user(session, actor=signed_in.actor, user_id=user_id)


@router.get("/account/settings/", summary="The account's settings")
async def account_settings(viewer: PageViewer, session: DbSession) -> AccountSettingsRead:
    """Every page may read them: the chat page asks whether to show the customer "typing…"."""
    account = await service.get_account(session, viewer.user.account_id)
    return AccountSettingsRead(send_read_receipts=account.send_read_receipts)


@router.put("/account/settings/", summary="Change the account's settings")
async def change_account_settings(
    body: AccountSettingsUpdate, signed_in: SignedInUser, session: DbSession
) -> AccountSettingsRead:
    account = await service.set_read_receipts(session, actor=signed_in.actor, on=body.send_read_receipts)
    return AccountSettingsRead(send_read_receipts=account.send_read_receipts)


@router.put("/me/notifications/", summary="Turn the signed-in user's new-message notifications on or off")
async def change_notifications(
    body: NotificationsUpdate, signed_in: SignedInUser, session: DbSession
) -> NotificationsRead:
    """The full app's own choice (cookie and CSRF header): inside a host's frame the host decides
    how to notify, from `hasUnreadChatsChanged`, so a frame session may not change it."""
    user = await service.set_new_message_notifications(session, actor=signed_in.actor, on=body.notify_new_messages)
    return NotificationsRead(notify_new_messages=user.notify_new_messages)
