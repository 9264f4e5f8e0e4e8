"""The Integrations page's WhatsApp card: connect a number, see what to paste in Meta's app
dashboard, and ask Meta whether the credentials reach the number. HTTP only."""

from __future__ import annotations

from fastapi import APIRouter, Request

from sportello.accounts.deps import SignedInUser
from sportello.accounts.permissions import can_connect_numbers
from sportello.credentials.deps import PageViewer
from sportello.integrations import service
from sportello.integrations.schemas import (
    ConnectedNumber,
    PhoneNumberCheck,
    WhatsAppConnect,
    WhatsAppSetup,
    WhatsAppTest,
)
from sportello.kit.deps import AppSecretBox, AppSettings, DbSession
from sportello.whatsapp.client import GraphApiClient

web_router = APIRouter(prefix="/web/api/whatsapp", include_in_schema=False)


@web_router.get("/")
async def whatsapp_setup(viewer: PageViewer, session: DbSession, settings: AppSettings) -> WhatsAppSetup:
    """Every page asks this to say "no number yet"; the Integrations page shows the rest."""
    numbers = await service.list_numbers(session, account_id=viewer.user.account_id)
    may_connect = viewer.frame is None and can_connect_numbers(viewer.user.role)
    token = settings.webhook_verify_token
    return WhatsAppSetup(
        connected=bool(numbers),
        can_connect=may_connect,
        # The ids are for those who manage them; every other page needs only `connected`.
        numbers=[
            ConnectedNumber(
                phone_number_id=n.phone_number_id, waba_id=n.waba_id, display_phone_number=n.display_phone_number
            )
            for n in numbers
            if may_connect
        ],
        webhook_url=f"{settings.public_api_url}/webhooks/whatsapp",
        verify_token=token.get_secret_value() if may_connect and token else None,
    )


@web_router.post("/numbers/")
async def connect_number(
    body: WhatsAppConnect, signed_in: SignedInUser, session: DbSession, box: AppSecretBox
) -> ConnectedNumber:
    service.ensure_may_connect(signed_in.actor)
    number = await service.connect_whatsapp(
        session,
        box=box,
        account_id=signed_in.user.account_id,
        phone_number_id=body.phone_number_id,
        waba_id=body.waba_id,
        access_token=body.access_token,
        app_secret=body.app_secret,
    )
    return ConnectedNumber(
        phone_number_id=number.phone_number_id, waba_id=number.waba_id, display_phone_number=number.display_phone_number
    )


@web_router.post("/test/")
async def test_connection(
    body: WhatsAppTest,
    request: Request,
    signed_in: SignedInUser,
    session: DbSession,
    settings: AppSettings,
    box: AppSecretBox,
) -> PhoneNumberCheck:
    """Test connection: `GET /{phone-number-id}` at Meta, with the token typed or the one kept."""
    service.ensure_may_connect(signed_in.actor)
    client = GraphApiClient(
        request.app.state.workers.http, base_url=settings.graph_api_base_url, version=settings.graph_api_version
    )
    info = await service.read_number_at_meta(
        session,
        box=box,
        client=client,
        account_id=signed_in.user.account_id,
        phone_number_id=body.phone_number_id,
        access_token=body.access_token,
    )
    return PhoneNumberCheck(
        phone_number_id=info.id,
        verified_name=info.verified_name,
        display_phone_number=info.display_phone_number,
        quality_rating=info.quality_rating,
    )
