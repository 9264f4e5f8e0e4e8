"""Meta's Graph API for WhatsApp. One pooled `httpx.AsyncClient` is passed in (its timeouts are
the ones used), so the same code talks to Meta or to the emulator; the access token is given per
call, as every connected number has its own. Every failure is a `GraphApiError`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from sportello.whatsapp import outbound_payloads as payloads
from sportello.whatsapp.errors import TRANSPORT_ERROR, GraphApiError

# Meta pages template lists; past this many pages a WABA is not one we can show anyway.
_MAX_TEMPLATE_PAGES = 50


@dataclass(frozen=True)
class SendResult:
    """Meta's 200 to a send: accepted, not delivered (that comes by webhook)."""

    meta_id: str  # the wamid, `messages[0].id`
    wa_id: str  # the recipient as WhatsApp knows them; may differ from what was sent
    message_status: str | None  # only for templates (Meta's pacing): accepted, held_for_quality_assessment, paused

    @property
    def wamid(self) -> str:
        return self.meta_id


@dataclass(frozen=True)
class MediaInfo:
    url: str  # valid 5 minutes, and only with the bearer token
    mime_type: str
    sha256: str
    file_size: int | None


@dataclass(frozen=True)
class PhoneNumberInfo:
    id: str
    verified_name: str
    display_phone_number: str
    quality_rating: str  # GREEN, YELLOW, RED or UNKNOWN


@dataclass(frozen=True)
class CreatedTemplate:
    id: str
    status: str  # PENDING, or at once APPROVED / REJECTED
    category: str


def _path(*segments: str) -> str:
    """Ids that come from outside (a webhook's media id) cannot climb out of their place in the URL."""
    return "/".join(quote(segment, safe="") for segment in segments)


def _unreadable(http_status: int, what: str) -> GraphApiError:
    return GraphApiError(http_status=http_status, code=TRANSPORT_ERROR, message=what)


def _unanswered(exc: httpx.HTTPError) -> GraphApiError:
    """No answer at all: refused, reset, timed out (the passed client's timeouts)."""
    return GraphApiError(http_status=0, code=TRANSPORT_ERROR, message=f"{type(exc).__name__}: {exc}")


def _refusal(response: httpx.Response) -> GraphApiError:
    """A 4xx/5xx (its body already read), from Meta's error envelope when there is one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    return GraphApiError.from_response(response.status_code, body)


class GraphApiClient:
    def __init__(self, http: httpx.AsyncClient, *, base_url: str, version: str = "v23.0") -> None:
        self._http = http
        self._base = f"{base_url.rstrip('/')}/{version}"

    @staticmethod
    def _auth(access_token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {access_token}"}

    async def _request(self, method: str, url: str, access_token: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, headers=self._auth(access_token), **kwargs)
        except httpx.HTTPError as exc:
            raise _unanswered(exc) from exc
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    async def _json(self, method: str, path: str, access_token: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._request(method, f"{self._base}/{path}", access_token, **kwargs)
        try:
            data = response.json()
        except ValueError as exc:
            raise _unreadable(response.status_code, "Meta answered with something that is not JSON") from exc
        if not isinstance(data, dict):
            raise _unreadable(response.status_code, "Meta answered with JSON that is not an object")
        return data

    # Messages

    async def get_phone_number(self, *, access_token: str, phone_number_id: str) -> PhoneNumberInfo:
        """What Meta knows of a number: whether the token reaches it, its name and its quality."""
        data = await self._json(
            "GET",
            _path(phone_number_id),
            access_token,
            params={"fields": "verified_name,display_phone_number,quality_rating"},
        )
        return PhoneNumberInfo(
            id=str(data.get("id", phone_number_id)),
            verified_name=str(data.get("verified_name", "")),
            display_phone_number=str(data.get("display_phone_number", "")),
            quality_rating=str(data.get("quality_rating", "")),
        )

    async def send(self, *, access_token: str, phone_number_id: str, payload: dict[str, Any]) -> SendResult:
        """Any body of `outbound_payloads`. Meta's 200 means accepted, not delivered."""
        data = await self._json("POST", _path(phone_number_id, "messages"), access_token, json=payload)
        messages = data.get("messages")
        first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
        meta_id, status = first.get("id"), first.get("message_status")
        if not isinstance(meta_id, str) or not meta_id:
            # Maybe accepted, maybe not: the same unknown outcome as a lost answer.
            raise _unreadable(200, "Meta's answer names no message id")
        contacts = data.get("contacts")
        contact = contacts[0] if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict) else {}
        wa_id = contact.get("wa_id")
        return SendResult(
            meta_id=meta_id,
            wa_id=wa_id if isinstance(wa_id, str) else "",
            message_status=status if isinstance(status, str) and status else None,
        )

    async def send_text(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        to: str,
        body: str,
        preview_url: bool = False,
        reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        payload = payloads.text(to, body, preview_url=preview_url, reply_to=reply_to, callback=biz_opaque_callback_data)
        return await self.send(access_token=access_token, phone_number_id=phone_number_id, payload=payload)

    async def send_template(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        to: str,
        name: str,
        language: str,
        components: Sequence[dict[str, Any]] = (),
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        payload = payloads.template(to, name, language, components, callback=biz_opaque_callback_data)
        return await self.send(access_token=access_token, phone_number_id=phone_number_id, payload=payload)

    async def send_media(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        to: str,
        kind: payloads.MediaKind,
        media_id: str,
        caption: str | None = None,
        filename: str | None = None,
        reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        payload = payloads.media(
            to,
            kind,
            media_id,
            caption=caption,
            filename=filename,
            reply_to=reply_to,
            callback=biz_opaque_callback_data,
        )
        return await self.send(access_token=access_token, phone_number_id=phone_number_id, payload=payload)

    async def send_interactive_buttons(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        to: str,
        body: str,
        buttons: Sequence[tuple[str, str]],
        reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        """Up to 3 quick-reply buttons, each `(id, title)`."""
        payload = payloads.buttons(to, body, buttons, reply_to=reply_to, callback=biz_opaque_callback_data)
        return await self.send(access_token=access_token, phone_number_id=phone_number_id, payload=payload)

    async def send_interactive_list(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        to: str,
        body: str,
        button: str,
        sections: Sequence[payloads.ListSection],
        header: str | None = None,
        footer: str | None = None,
        reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        payload = payloads.list_message(
            to,
            body,
            button,
            sections,
            header=header,
            footer=footer,
            reply_to=reply_to,
            callback=biz_opaque_callback_data,
        )
        return await self.send(access_token=access_token, phone_number_id=phone_number_id, payload=payload)

    async def send_reaction(
        self, *, access_token: str, phone_number_id: str, to: str, message_id: str, emoji: str
    ) -> SendResult:
        """An empty `emoji` removes our reaction."""
        payload = payloads.reaction(to, message_id, emoji)
        return await self.send(access_token=access_token, phone_number_id=phone_number_id, payload=payload)

    async def mark_as_read(
        self, *, access_token: str, phone_number_id: str, message_id: str, typing: bool = False
    ) -> None:
        """Meta answers `{"success": true}`; it shows "typing…" until we answer or for 25 seconds."""
        await self._json(
            "POST",
            _path(phone_number_id, "messages"),
            access_token,
            json=payloads.mark_as_read(message_id, typing=typing),
        )

    # Media

    async def upload_media(
        self, *, access_token: str, phone_number_id: str, content: bytes, mime_type: str, filename: str
    ) -> str:
        """The media id of an uploaded file (Meta keeps it 30 days)."""
        data = await self._json(
            "POST",
            _path(phone_number_id, "media"),
            access_token,
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        media_id = data.get("id")
        if not isinstance(media_id, str | int) or isinstance(media_id, bool) or not str(media_id):
            raise _unreadable(200, "Meta's answer to an upload names no media id")
        return str(media_id)

    async def get_media(self, *, access_token: str, media_id: str, phone_number_id: str | None = None) -> MediaInfo:
        """Where to download a media id from; with `phone_number_id`, only if it belongs to that number."""
        params = {"phone_number_id": phone_number_id} if phone_number_id else None
        data = await self._json("GET", _path(media_id), access_token, params=params)
        url, size = data.get("url"), data.get("file_size")
        if not isinstance(url, str) or not url:
            raise _unreadable(200, "Meta's answer names no media URL")
        return MediaInfo(
            url=url,
            mime_type=str(data.get("mime_type") or ""),
            sha256=str(data.get("sha256") or ""),
            file_size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        )

    async def download_media(self, *, access_token: str, url: str, max_bytes: int | None = None) -> bytes:
        """The bytes behind a media URL (it needs the bearer token, and expires after 5 minutes: a
        404 means ask `get_media` again). Stops reading past `max_bytes` (413, code 131052)."""
        too_large = GraphApiError(http_status=413, code=131052, message=f"the file is larger than {max_bytes} bytes")
        try:
            async with self._http.stream("GET", url, headers=self._auth(access_token)) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _refusal(response)
                declared = response.headers.get("content-length", "")
                if max_bytes is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise too_large
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise too_large
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise _unanswered(exc) from exc
        return b"".join(chunks)

    # Templates

    async def create_template(
        self,
        *,
        access_token: str,
        waba_id: str,
        name: str,
        category: str,
        language: str,
        components: Sequence[dict[str, Any]],
        parameter_format: str = "POSITIONAL",
    ) -> CreatedTemplate:
        """Asks Meta to review a template; its verdict comes later by webhook."""
        body: dict[str, Any] = {
            "name": name,
            "category": category,
            "language": language,
            "components": list(components),
        }
        if parameter_format != "POSITIONAL":
            body["parameter_format"] = parameter_format  # Meta's default is POSITIONAL
        data = await self._json("POST", _path(waba_id, "message_templates"), access_token, json=body)
        template_id = data.get("id")
        if not isinstance(template_id, str | int) or isinstance(template_id, bool) or not str(template_id):
            raise _unreadable(200, "Meta's answer names no template id")
        return CreatedTemplate(
            id=str(template_id),
            status=str(data.get("status") or ""),
            category=str(data.get("category") or category),
        )

    async def edit_template(
        self, *, access_token: str, template_id: str, category: str, components: Sequence[dict[str, Any]]
    ) -> None:
        """Asks Meta to review a rejected (or approved, or paused) template again with new content;
        its name and language stay (Meta's template edit: `POST /<template id>`)."""
        body = {"category": category, "components": list(components)}
        data = await self._json("POST", _path(template_id), access_token, json=body)
        if data.get("success") is not True:
            raise _unreadable(200, "Meta's answer does not confirm the edit")

    async def list_templates(
        self,
        *,
        access_token: str,
        waba_id: str,
        name: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Every template of a WABA (Meta's JSON, one dict each), following Meta's cursors."""
        params: dict[str, str | int] = {"limit": limit}
        if name:
            params["name"] = name
        if status:
            params["status"] = status
        templates: list[dict[str, Any]] = []
        for _ in range(_MAX_TEMPLATE_PAGES):
            data = await self._json("GET", _path(waba_id, "message_templates"), access_token, params=params)
            items = data.get("data")
            templates += [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
            paging = data.get("paging")
            paging = paging if isinstance(paging, dict) else {}
            cursors = paging.get("cursors")
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not paging.get("next") or not isinstance(after, str) or not after:
                break
            params["after"] = after
        return templates

    async def delete_template(self, *, access_token: str, waba_id: str, name: str, hsm_id: str | None = None) -> None:
        """Deletes every language of `name`, or only the one with id `hsm_id`."""
        params = {"name": name, **({"hsm_id": hsm_id} if hsm_id else {})}
        await self._json("DELETE", _path(waba_id, "message_templates"), access_token, params=params)
