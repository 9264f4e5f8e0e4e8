"""The Graph API paths Sportello uses, answering as Meta answers."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from sportello.emulator.config import Business
from sportello.emulator.errors import GraphError
from sportello.emulator.lifecycle import progress, template_status
from sportello.emulator.receipts import mark_read
from sportello.emulator.state import Entry, State, StoredMedia, StoredTemplate, new_wamid
from sportello.emulator.template_render import render_send
from sportello.emulator.validation import approved_template, validate_send

router = APIRouter()
VERSION = re.compile(r"^v\d+\.\d+$")
MEDIA_LIMITS = {  # Meta's table: MIME types and sizes per kind
    "image": ({"image/jpeg", "image/png"}, 5 * 1024 * 1024),
    "audio": ({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 * 1024 * 1024),
    "video": ({"video/mp4", "video/3gpp"}, 16 * 1024 * 1024),
    "sticker": ({"image/webp"}, 500 * 1024),
    "document": (
        {
            "text/plain",
            "application/pdf",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        },
        100 * 1024 * 1024,
    ),
}


def _state(request: Request) -> State:
    state: State = request.app.state.emulator
    return state


def _check_version(version: str) -> None:
    if not VERSION.match(version):
        raise GraphError(100, f"Unknown path component: {version[:20]}", http_status=400)


def _authorize(request: Request, business: Business | None) -> Business:
    header = request.headers.get("authorization", "")
    token = header[7:] if header[:7].lower() == "bearer " else ""
    if business is None:
        raise GraphError(100, "Unsupported request - the object does not exist or you may not access it.")
    if not token or not secrets.compare_digest(token, business.access_token):
        raise GraphError(190, "Invalid OAuth access token - Cannot parse access token", http_status=401)
    return business


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body: Any = await request.json()
    except ValueError:
        raise GraphError(100, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise GraphError(100, "The request body must be an object.")
    return body


def _template_category(category: Any) -> str:
    if category not in ("MARKETING", "UTILITY", "AUTHENTICATION"):
        raise GraphError(100, "Param category must be MARKETING, UTILITY or AUTHENTICATION.")
    return str(category)


def _template_components(components: Any) -> list[Any]:
    """A template's components as Meta takes them: a list with a BODY among them."""
    if not isinstance(components, list) or not any(
        isinstance(c, dict) and str(c.get("type", "")).upper() == "BODY" for c in components
    ):
        raise GraphError(100, "Param components needs a BODY component.")
    return components


def _start_review(request: Request, business: Business, template: StoredTemplate) -> None:
    task = asyncio.create_task(_review(request, business, template))
    request.app.state.tasks.add(task)
    task.add_done_callback(request.app.state.tasks.discard)


@router.post("/{version}/{phone_number_id}/messages")
async def send_message(version: str, phone_number_id: str, request: Request) -> Response:
    state = _state(request)
    try:
        _check_version(version)
        business = _authorize(request, state.business_by_number(phone_number_id))
        try:
            body: Any = await request.json()
        except ValueError:
            raise GraphError(100, "The request body is not valid JSON.") from None
        if isinstance(body, dict) and body.get("status") == "read":
            mark_read(state, phone_number_id, body)
            return JSONResponse({"success": True})
        to, kind = validate_send(state, body, business.waba_id)
        now = time.time()
        state.send_attempts += 1
        every = state.config.rate_error_every
        if not state.take_number_slot(phone_number_id, now) or (every and state.send_attempts % every == 0):
            raise GraphError(
                130429,
                "Message failed to send because there were too many messages sent from this "
                "phone number in a short period of time.",
            )
        if not state.take_pair_slot(phone_number_id, to, now):
            raise GraphError(
                131056,
                "Message failed to send because there were too many messages sent from this "
                "phone number to the same phone number in a short period of time.",
            )
    except GraphError as error:
        return error.response()
    wamid = new_wamid()
    entry = {
        "wamid": wamid,
        "phone_number_id": phone_number_id,
        "to": to,
        # The BSUID the business wrote to, when it used `recipient` rather than `to`.
        "recipient": body.get("recipient") if body.get("to") is None else None,
        "type": kind,
        "body": body,
        "biz_opaque_callback_data": body.get("biz_opaque_callback_data"),
        "at": now,
        "window_open": state.window_open(phone_number_id, to, now),
    }
    state.record_send(entry)
    text, buttons = _preview(state, body, kind, business.waba_id)
    conversation_entry = Entry(
        direction="out", wamid=wamid, type=kind, text=text, payload=body, at=now, status="accepted", buttons=buttons
    )
    state.conversation(phone_number_id, to).append(conversation_entry)
    # Meta: "typing…" is dismissed once the business responds.
    state.typing_until.pop((phone_number_id, to), None)
    app = request.app
    task = asyncio.create_task(progress(state, app.state.outbox, app.state.rng, business, entry, conversation_entry))
    app.state.tasks.add(task)
    task.add_done_callback(app.state.tasks.discard)
    message: dict[str, Any] = {"id": wamid}
    if kind == "template":
        message["message_status"] = "accepted"
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            # `wa_id` for a send to a phone, `user_id` for one to a BSUID (M-BSUID, "Messages API").
            "contacts": [
                {"input": str(body["recipient"]), "user_id": str(body["recipient"])}
                if entry["recipient"]
                else {"input": str(body.get("to")), "wa_id": to}
            ],
            "messages": [message],
        }
    )


def _preview(state: State, body: dict[str, Any], kind: str, waba_id: str) -> tuple[str, list[dict[str, str]]]:
    """What the customer's phone shows of an accepted send: a template as its rendered text."""
    found = body.get(kind)
    obj: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text":
        return str(obj.get("body", "")), []
    if kind == "interactive":
        return str((obj.get("body") or {}).get("text", "")), []
    if kind == "template":
        rendered = render_send(approved_template(state, obj, waba_id), obj)
        return rendered.text, rendered.buttons
    if kind == "reaction":
        return str(obj.get("emoji", "")), []
    return str(obj.get("caption", "")) or kind, []


@router.post("/{version}/{phone_number_id}/media")
async def upload_media(
    version: str,
    phone_number_id: str,
    request: Request,
    file: Annotated[UploadFile, File()],
    messaging_product: Annotated[str, Form()] = "",
    type: Annotated[str, Form()] = "",
) -> Response:
    state = _state(request)
    try:
        _check_version(version)
        _authorize(request, state.business_by_number(phone_number_id))
        if messaging_product != "whatsapp":
            raise GraphError(100, "Param messaging_product must be 'whatsapp'.")
        mime = type or file.content_type or ""
        content = await file.read()
        allowed = next((limit for kinds, limit in MEDIA_LIMITS.values() if mime in kinds), None)
        if allowed is None:
            raise GraphError(131053, f"Param file must be a file of a supported type, not {mime[:50]}.")
        if len(content) > allowed:
            raise GraphError(131053, f"The file is larger than {allowed} bytes.")
    except GraphError as error:
        return error.response()
    media_id = str(secrets.randbelow(10**15) + 10**15)
    state.media[media_id] = StoredMedia(
        media_id=media_id,
        phone_number_id=phone_number_id,
        content=content,
        mime_type=mime,
        sha256=base64.b64encode(hashlib.sha256(content).digest()).decode(),
        filename=file.filename or "",
    )
    return JSONResponse({"id": media_id})


@router.get("/_media/{token}")
async def download_media(token: str, request: Request) -> Response:
    state = _state(request)
    found = state.media_urls.get(token)
    media = state.media.get(found[0]) if found else None
    try:
        if media is None or found is None:
            raise GraphError(100, "The media URL is not valid.", http_status=404)
        _authorize(request, state.business_by_number(media.phone_number_id))
        if time.time() > found[1]:
            raise GraphError(100, "The media URL has expired: ask for a new one.", http_status=404)
    except GraphError as error:
        return error.response()
    return Response(media.content, media_type=media.mime_type)


@router.post("/{version}/{waba_id}/message_templates")
async def create_template(version: str, waba_id: str, request: Request) -> Response:
    state = _state(request)
    try:
        _check_version(version)
        business = _authorize(request, state.business_by_waba(waba_id))
        body = await _json_object(request)
        name, category, language = body.get("name"), body.get("category"), body.get("language")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,512}", name):
            raise GraphError(100, "Param name must be lowercase letters, digits and underscores.")
        category = _template_category(category)
        if not isinstance(language, str) or not language:
            raise GraphError(100, "Param language is required.")
        components = _template_components(body.get("components"))
        if any(t.waba_id == waba_id and t.name == name and t.language == language for t in state.templates.values()):
            raise GraphError(100, f'Message template "{name}" already exists in {language}.')
        parameter_format = str(body.get("parameter_format") or "POSITIONAL").upper()
        if parameter_format not in ("POSITIONAL", "NAMED"):
            raise GraphError(100, "Param parameter_format must be POSITIONAL or NAMED.")
    except GraphError as error:
        return error.response()
    template_id = str(secrets.randbelow(10**15) + 10**15)
    template = StoredTemplate(
        template_id=template_id,
        waba_id=waba_id,
        name=name,
        language=language,
        category=category,
        components=components,
        parameter_format=parameter_format,
    )
    state.templates[template_id] = template
    _start_review(request, business, template)
    return JSONResponse({"id": template_id, "status": "PENDING", "category": category})


async def _review(request: Request, business: Business, template: StoredTemplate) -> None:
    await asyncio.sleep(_state(request).config.template_review_seconds)
    if template.status != "PENDING":
        return  # decided by hand meanwhile
    if "reject" in template.name:
        decide(request, business, template, "REJECTED", "INVALID_FORMAT")
    else:
        decide(request, business, template, "APPROVED", "NONE")


def decide(request: Request, business: Business, template: StoredTemplate, event: str, reason: str) -> None:
    template.status, template.reason = event, reason
    request.app.state.outbox.send(
        business,
        template_status(
            business, template.template_id, template.name, template.language, event, reason, template.category
        ),
    )


def _template_json(template: StoredTemplate) -> dict[str, Any]:
    return {
        "id": template.template_id,
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "parameter_format": template.parameter_format,
        "components": template.components,
        **({"rejected_reason": template.reason} if template.status == "REJECTED" else {}),
    }


@router.get("/{version}/{waba_id}/message_templates")
async def list_templates(version: str, waba_id: str, request: Request) -> Response:
    state = _state(request)
    try:
        _check_version(version)
        _authorize(request, state.business_by_waba(waba_id))
    except GraphError as error:
        return error.response()
    name, status = request.query_params.get("name"), request.query_params.get("status")
    items = [
        _template_json(t)
        for t in state.templates.values()
        if t.waba_id == waba_id and (not name or t.name == name) and (not status or t.status == status)
    ]
    return JSONResponse({"data": items, "paging": {"cursors": {"before": "", "after": ""}}})


@router.delete("/{version}/{waba_id}/message_templates")
async def delete_template(version: str, waba_id: str, request: Request) -> Response:
    state = _state(request)
    try:
        _check_version(version)
        _authorize(request, state.business_by_waba(waba_id))
        name = request.query_params.get("name")
        matching = [k for k, t in state.templates.items() if t.waba_id == waba_id and t.name == name]
        if not name or not matching:
            raise GraphError(100, f'Message template "{name}" does not exist.')
    except GraphError as error:
        return error.response()
    for key in matching:
        del state.templates[key]
    return JSONResponse({"success": True})


PHONE_NUMBER_FIELDS = ("display_phone_number", "verified_name", "quality_rating")


def _phone_number_json(business: Business, fields: str | None) -> dict[str, Any]:
    """Meta's PhoneNumberInfo: the default fields, or those `?fields=` names (and always the id)."""
    known = {
        "display_phone_number": _displayed(business.display_phone_number),
        "verified_name": business.verified_name,
        "quality_rating": business.quality_rating,
        "name_status": "APPROVED",
        "code_verification_status": "VERIFIED",
    }
    wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else list(PHONE_NUMBER_FIELDS)
    unknown = [f for f in wanted if f not in known and f != "id"]
    if unknown:
        raise GraphError(
            100, f"(#100) Tried accessing nonexisting field ({unknown[0][:40]}) on node type (PhoneNumber)"
        )
    return {"id": business.phone_number_id, **{f: known[f] for f in wanted if f in known}}


def _displayed(digits: str) -> str:
    """As Meta shows a number: `+1 555-078-3881` for a North American one, else `+` and the digits."""
    if len(digits) == 11 and digits.startswith("1"):
        return f"+1 {digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    return f"+{digits}"


@router.get("/{version}/{object_id}")
async def get_object(version: str, object_id: str, request: Request) -> Response:
    """A phone number id (what Meta knows of the number), a media id (its URL, valid 5 minutes)
    or a template id."""
    state = _state(request)
    try:
        _check_version(version)
        number = state.business_by_number(object_id)
        if number is not None:
            _authorize(request, number)
            return JSONResponse(_phone_number_json(number, request.query_params.get("fields")))
        media = state.media.get(object_id)
        if media is not None:
            _authorize(request, state.business_by_number(media.phone_number_id))
            url = state.media_url(object_id, str(request.base_url), time.time())
            return JSONResponse(
                {
                    "messaging_product": "whatsapp",
                    "url": url,
                    "mime_type": media.mime_type,
                    "sha256": media.sha256,
                    "file_size": len(media.content),
                    "id": object_id,
                }
            )
        template = state.templates.get(object_id)
        if template is not None:
            _authorize(request, state.business_by_waba(template.waba_id))
            return JSONResponse(_template_json(template))
        raise GraphError(100, f"Unsupported get request. Object with ID '{object_id[:30]}' does not exist.")
    except GraphError as error:
        return error.response()


@router.post("/{version}/{template_id}")
async def edit_template(version: str, template_id: str, request: Request) -> Response:
    """Meta's template edit: a rejected, approved or paused template gets new components (and
    category) and goes back to review; its name and language cannot change."""
    state = _state(request)
    try:
        _check_version(version)
        template = state.templates.get(template_id)
        if template is None:
            raise GraphError(100, f"Object with ID '{template_id[:30]}' does not exist.")
        business = _authorize(request, state.business_by_waba(template.waba_id))
        if template.status not in ("REJECTED", "APPROVED", "PAUSED"):
            raise GraphError(100, f"A template that is {template.status} cannot be edited.")
        body = await _json_object(request)
        components = _template_components(body.get("components", template.components))
        category = _template_category(body.get("category", template.category))
    except GraphError as error:
        return error.response()
    template.components, template.category = components, category
    template.status, template.reason = "PENDING", ""
    _start_review(request, business, template)
    return JSONResponse({"success": True})


@router.delete("/{version}/{media_id}")
async def delete_media(version: str, media_id: str, request: Request) -> Response:
    state = _state(request)
    try:
        _check_version(version)
        media = state.media.get(media_id)
        if media is None:
            raise GraphError(100, f"Object with ID '{media_id[:30]}' does not exist.")
        _authorize(request, state.business_by_number(media.phone_number_id))
    except GraphError as error:
        return error.response()
    del state.media[media_id]
    return JSONResponse({"success": True})
