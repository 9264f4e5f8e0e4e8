"""The customer's side and the test harness: `/_emulator/…` (JSON) and the phone page `/phone/<number>`."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from sportello.emulator.config import Business
from sportello.emulator.graph import MEDIA_LIMITS, decide
from sportello.emulator.lifecycle import inbound
from sportello.emulator.receipts import conversation_extras
from sportello.emulator.state import State, StoredMedia, hidden_phone_for

router = APIRouter(prefix="/_emulator")
phone_router = APIRouter()
STATIC = Path(__file__).parent / "static"


def _state(request: Request) -> State:
    state: State = request.app.state.emulator
    return state


def _business(state: State, phone_number_id: str | None) -> Business:
    business = state.business_by_number(phone_number_id) if phone_number_id else state.config.businesses[0]
    if business is None:
        raise HTTPException(404, f"no business with phone number id {phone_number_id}")
    return business


def _digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if not 7 <= len(digits) <= 15:
        raise HTTPException(400, f"'{number[:30]}' is not a phone number")
    return digits


def _customer_digits(state: State, who: str) -> str:
    """A customer's phone digits from their phone, BSUID or username."""
    digits = state.resolve(who)
    if digits is None:
        raise HTTPException(404, f"no customer '{who[:40]}' (a phone, a BSUID or a username)")
    return digits


class Say(BaseModel):
    """What a customer does on their phone."""

    model_config = ConfigDict(extra="forbid")

    # The customer's phone, or their BSUID or username once the emulator knows them.
    from_: Annotated[str, Field(alias="from", max_length=140)] = ""
    name: Annotated[str, Field(max_length=100)] = "Customer"
    # A username user: with no `from`, the emulator plays one whose phone Meta keeps to itself.
    username: Annotated[str, Field(max_length=35, pattern=r"^@?[A-Za-z0-9._]*$")] = ""
    # Leave the phone out of the webhooks (a username user outside the contact book), or put it back.
    hide_phone: bool | None = None
    # With `type: contacts`: the customer shares their own number, answering a request for it.
    share_phone: bool = False
    phone_number_id: str | None = None
    type: Literal[
        "text", "image", "document", "location", "interactive", "button", "reaction", "contacts", "unsupported"
    ] = "text"
    text: Annotated[str, Field(max_length=4096)] = ""
    media_id: str | None = None
    caption: str = ""
    latitude: float | None = None
    longitude: float | None = None
    location_name: str = ""
    location_address: str = ""
    # With `type: unsupported`: what Meta could not deliver (`unsupported.type`, e.g. `edit`).
    unsupported_type: str = "edit"
    # The customer tapped a click-to-WhatsApp ad first: Meta's `referral` object, as sent
    # (the text, image and video webhook references, M-WH; pywa's `Referral`).
    referral: dict[str, Any] | None = None
    reply_id: str = ""
    reply_title: str = ""
    reply_kind: Literal["button_reply", "list_reply"] = "button_reply"
    payload: str = ""
    message_id: str = ""
    emoji: str = ""
    context: str | None = None


@router.post("/say")
async def say(body: Say, request: Request) -> dict[str, Any]:
    state = _state(request)
    business = _business(state, body.phone_number_id)
    username = body.username.lstrip("@")
    if body.from_:
        sender = state.resolve(body.from_) or _digits(body.from_)
        customer = state.customer(sender)
    elif username:
        sender = state.resolve(username) or hidden_phone_for(username)
        known = sender in state.customers
        customer = state.customer(sender)
        if not known:
            customer.hide_phone = True
    else:
        raise HTTPException(400, "say who writes: from (a phone or a BSUID) or username")
    if username:
        customer.username = username
    if body.hide_phone is not None:
        customer.hide_phone = body.hide_phone
    content: dict[str, Any]
    if body.type == "text":
        if not body.text:
            raise HTTPException(400, "text is required")
        content = {"body": body.text}
    elif body.type in ("image", "document"):
        media = state.media.get(body.media_id or "")
        if media is None:
            raise HTTPException(400, "upload the file first (POST /_emulator/customer_media)")
        # As Meta sends it since 2025: the id, and a download URL (bearer token needed) beside it.
        content = {
            "mime_type": media.mime_type,
            "sha256": media.sha256,
            "id": media.media_id,
            "url": state.media_url(media.media_id, str(request.base_url), time.time()),
        }
        if body.caption:
            content["caption"] = body.caption
        if body.type == "document":
            content["filename"] = media.filename
    elif body.type == "location":
        content = {"latitude": body.latitude or 0.0, "longitude": body.longitude or 0.0}
        if body.location_name:
            content["name"] = body.location_name
        if body.location_address:
            content["address"] = body.location_address
    elif body.type == "interactive":
        content = {"type": body.reply_kind, body.reply_kind: {"id": body.reply_id, "title": body.reply_title}}
    elif body.type == "button":
        content = {"payload": body.payload or body.text, "text": body.text}
    elif body.type == "reaction":
        content = {"message_id": body.message_id, "emoji": body.emoji}
    elif body.type == "unsupported":
        content = {"type": body.unsupported_type}
    else:
        content = {
            "contacts": [
                {
                    "name": {"formatted_name": body.text or "Contact", "first_name": body.text or "Contact"},
                    "phones": [{"phone": "+" + sender, "type": "CELL", "wa_id": sender}],
                }
            ]
        }
        if body.share_phone:
            # The answer to a REQUEST_CONTACT_INFO button (M-BSUID, "Requesting phone numbers"):
            # `origin: contact_request`, the user's own card.
            content["origin"] = "contact_request"
            content["contacts"][0]["name"] = {"formatted_name": body.name, "first_name": body.name}
    context = body.context
    if body.type in ("interactive", "button") and not context:
        # Meta sends a reply (a button, a list row, a template's quick reply) with `context`, the
        # business message it answers (shared/whatsapp-samples/07, 08 and 17); pywa reads it
        # unconditionally. Without one given, the customer answers the business's latest message.
        latest = next(
            (e for e in reversed(state.conversation(business.phone_number_id, sender)) if e.direction == "out"), None
        )
        if latest is None:
            raise HTTPException(400, "a reply answers a business message, and none was sent to this customer")
        context = latest.wamid
    webhook, entry = inbound(state, business, sender, body.name, body.type, content, context)
    message = webhook["entry"][0]["changes"][0]["value"]["messages"][0]
    if body.type == "unsupported":
        # As the unsupported messages webhook reference shows it (M-WH): Meta's error beside the type.
        message["errors"] = [
            {
                "code": 131051,
                "title": "Message type unknown",
                "message": "Message type unknown",
                "error_data": {"details": "Message type is currently not supported."},
            }
        ]
    if body.referral is not None:
        message["referral"] = body.referral
    if body.share_phone:
        # Meta keeps the pair in the business's contact book from then on: the phone appears in
        # the webhooks that follow (360dialog, "Usernames & BSUID": Meta Contact Book).
        customer.hide_phone = False
    request.app.state.outbox.send(business, webhook)
    return {
        "wamid": entry.wamid,
        "webhook": webhook,
        "customer": {"phone": customer.phone, "user_id": customer.user_id, "username": customer.username},
    }


@router.post("/customer_media")
async def customer_media(
    request: Request, file: Annotated[UploadFile, File()], phone_number_id: str | None = None
) -> dict[str, str]:
    """A file the customer attaches: stored as Meta stores inbound media, downloadable by the business."""
    state = _state(request)
    business = _business(state, phone_number_id)
    content = await file.read()
    mime = file.content_type or "application/octet-stream"
    if not any(mime in kinds and len(content) <= limit for kinds, limit in MEDIA_LIMITS.values()):
        raise HTTPException(400, f"{mime} of {len(content)} bytes is not a file WhatsApp carries")
    media_id = str(secrets.randbelow(10**15) + 10**15)
    state.media[media_id] = StoredMedia(
        media_id=media_id,
        phone_number_id=business.phone_number_id,
        content=content,
        mime_type=mime,
        sha256=base64.b64encode(hashlib.sha256(content).digest()).decode(),
        filename=file.filename or "file",
    )
    return {"media_id": media_id}


@router.get("/sent")
async def sent(request: Request, to: str | None = None) -> list[dict[str, Any]]:
    """Every send Meta accepted, in order (what reached 'Meta')."""
    state = _state(request)
    digits = state.resolve(to) if to else None
    return [e for e in state.sent if to is None or e["to"] == digits]


@router.get("/conversations/{number}")
async def conversation(number: str, request: Request, phone_number_id: str | None = None) -> dict[str, Any]:
    state = _state(request)
    business = _business(state, phone_number_id)
    digits = _customer_digits(state, number)
    customer = state.customer(digits)
    entries = state.conversation(business.phone_number_id, digits)
    return {
        "business": {"name": business.display_phone_number, "phone_number_id": business.phone_number_id},
        "customer": {
            "phone": customer.phone,
            "user_id": customer.user_id,
            "username": customer.username,
            "hide_phone": customer.hide_phone,
        },
        **conversation_extras(state, business.phone_number_id, digits),
        "messages": [
            {
                "direction": e.direction,
                "wamid": e.wamid,
                "type": e.type,
                "text": e.text,
                "payload": e.payload,
                "status": e.status,
                "at": e.at,
                "buttons": e.buttons,
            }
            for e in entries
        ],
    }


@router.get("/webhooks")
async def webhooks(request: Request) -> dict[str, Any]:
    outbox = request.app.state.outbox
    return {"delivered": len(outbox.delivered), "attempts": outbox.attempts}


class Review(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str = "INVALID_FORMAT"


@router.post("/templates/{template_id}/review")
async def review(template_id: str, body: Review, request: Request) -> dict[str, str]:
    state = _state(request)
    template = state.templates.get(template_id)
    if template is None:
        raise HTTPException(404, "no such template")
    business = state.business_by_waba(template.waba_id)
    assert business is not None
    if body.decision == "approve":
        decide(request, business, template, "APPROVED", "NONE")
    else:
        decide(request, business, template, "REJECTED", body.reason)
    return {"status": template.status}


@router.get("/templates")
async def templates(request: Request) -> list[dict[str, Any]]:
    state = _state(request)
    return [
        {
            "id": t.template_id,
            "name": t.name,
            "language": t.language,
            "category": t.category,
            "parameter_format": t.parameter_format,
            "components": t.components,
            "status": t.status,
            "reason": t.reason,
        }
        for t in state.templates.values()
    ]


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@phone_router.get("/templates", response_class=HTMLResponse)
async def templates_page() -> HTMLResponse:
    response = HTMLResponse((STATIC / "templates.html").read_text("utf-8"))
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    return response


@phone_router.get("/phone/{number}", response_class=HTMLResponse)
async def phone_page(number: str, request: Request) -> HTMLResponse:
    """A customer's phone, by their phone number, BSUID or username."""
    _customer_digits(_state(request), number)
    response = HTMLResponse((STATIC / "phone.html").read_text("utf-8"))
    response.headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' blob: data:"
    return response
