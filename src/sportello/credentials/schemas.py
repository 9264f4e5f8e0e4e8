"""What crosses the wire about API keys, private keys, tokens and frame sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sportello.accounts.models import Role, UserType
from sportello.credentials.models import ApiKeyStatus
from sportello.credentials.scope import Page
from sportello.kit.schemas import InputSchema, OutputSchema


class TokenRequest(BaseModel):
    """The guide's body. Unknown fields are ignored here (not refused) so that integrations
    written for Spoki keep working whatever else they send."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    private_key: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    # The ceiling: what the host's backend allows this token, whatever the iframe's address says.
    can_view_chat_list: bool | None = Field(
        default=None, description="`false`: the frame cannot open the chat list, whatever its address says."
    )
    can_reply_in_chat: bool | None = Field(
        default=None, description="`false`: the frame cannot send, whatever its address says."
    )
    can_send_paypal_in_chat: bool | None = Field(
        default=None, description="`false`: the frame cannot send payment requests, whatever its address says."
    )
    chat_uuid: Annotated[str, StringConstraints(pattern="^[0-9a-f]{32}$")] | None = Field(
        default=None,
        description="The token opens only `chats/<chat_uuid>`, and its session reaches no other chat.",
    )

    model_config["json_schema_extra"] = {
        "examples": [
            {"email": "crm.1a2b3c4d@service.sportello", "private_key": "sppk_…"},
            {
                "email": "crm.1a2b3c4d@service.sportello",
                "private_key": "sppk_…",
                "chat_uuid": "3f2a9c0e5b7d4e1f8a6c2b9d0e4f7a1c",
                "can_view_chat_list": False,
                "can_reply_in_chat": True,
                "can_send_paypal_in_chat": False,
            },
        ]
    }


class TokenOut(BaseModel):
    token: str = Field(description="Single use; expires after SPORTELLO_TOKEN_TTL_SECONDS (120 s by default).")
    uid: str = Field(description="The id of the user the token signs in.")


class ExchangeIn(InputSchema):
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {
            "examples": [
                {
                    "token": "…",
                    "uid": "12",
                    "language": "it",
                    "can_view_chat_list": False,
                    "can_reply_in_chat": True,
                    "can_send_paypal_in_chat": False,
                    "page": "chat",
                    "chat_uuid": "3f2a9c0e5b7d4e1f8a6c2b9d0e4f7a1c",
                }
            ]
        },
    }

    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    uid: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    language: Annotated[str, StringConstraints(max_length=20)] = "en"
    can_view_chat_list: bool = True
    can_reply_in_chat: bool = True
    can_send_paypal_in_chat: bool = True
    page: Page = Field(default="chats", description="The page the token is exchanged on: what the session may do.")
    chat_uuid: Annotated[str, StringConstraints(pattern="^[0-9a-f]{32}$")] | None = Field(
        default=None, description="For the `chat` page: its chat."
    )


class FrameUser(BaseModel):
    id: int
    name: str
    email: str
    role: Role


class Permissions(BaseModel):
    can_view_chat_list: bool
    can_reply_in_chat: bool
    can_send_paypal_in_chat: bool


class FrameSessionOut(BaseModel):
    account_id: int
    user: FrameUser
    language: str
    permissions: Permissions
    allowed_origins: list[str] = Field(description="Where the frame may send events; empty means any parent.")
    expires_at: datetime


class ViewerOut(BaseModel):
    """Who the web app's page is signed in as, and what it may show."""

    account_id: int
    user: FrameUser
    language: str
    in_frame: bool
    permissions: Permissions
    allowed_origins: list[str]
    notify_new_messages: bool = Field(
        default=False, description="The user chose a sound and a desktop notification for new messages (full app)."
    )


class FrameSessionOpened(FrameSessionOut):
    session: str = Field(description="The frame's bearer secret: shown once, kept by that frame only.")
    frame_id: str = Field(description="Names the frame in its address after the token is gone; not a secret.")


class ApiKeyRequest(InputSchema):
    motivation: Annotated[str, StringConstraints(max_length=5000)]
    allowed_origins: Annotated[list[Annotated[str, StringConstraints(max_length=300)]], Field(max_length=50)] = []


class AllowedOriginsUpdate(InputSchema):
    allowed_origins: Annotated[list[Annotated[str, StringConstraints(max_length=300)]], Field(max_length=50)]


class ApiKeyRead(OutputSchema):
    id: int
    account_id: int
    prefix: str
    status: ApiKeyStatus
    motivation: str
    requester_email: str
    allowed_origins: list[str]
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    api_key: str = Field(description="The key itself: shown this once, stored only as a digest.")


class ServiceUserCreate(InputSchema):
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {"examples": [{"name": "CRM integration", "role": "Chat Manager"}]},
    }

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Role


class ServiceUserRead(OutputSchema):
    id: int
    email: str
    name: str
    role: Role
    user_type: UserType


class PrivateKeyOut(BaseModel):
    uid: str
    email: str
    private_key: str = Field(description="Shown this once; generating a new one invalidates it.")


class HasPrivateKeyOut(BaseModel):
    has_private_key: bool
