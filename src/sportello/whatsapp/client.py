"""Meta's Graph API for WhatsApp. One pooled `httpx.AsyncClient` is passed in, so the same code
talks to Meta or to the emulator; the access token is given per call (one per connected number)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sportello.whatsapp.errors import TRANSPORT_ERROR, GraphApiError


@dataclass(frozen=True)
class SendResult:
    meta_id: str
    wa_id: str
    message_status: str | None  # only for templates (Meta's pacing)


@dataclass(frozen=True)
class MediaInfo:
    url: str
    mime_type: str
    sha256: str
    file_size: int | None


class GraphApiClient:
    def __init__(self, http: httpx.AsyncClient, *, base_url: str, version: str = "v23.0") -> None:
        self._http = http
        self._base = f"{base_url.rstrip('/')}/{version}"

    async def _request(self, method: str, url: str, access_token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {access_token}"}
        try:
            response = await self._http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise GraphApiError(http_status=0, code=TRANSPORT_ERROR, message=f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise GraphApiError.from_response(response.status_code, body)
        return response

    async def _json(self, method: str, path: str, access_token: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._request(method, f"{self._base}/{path}", access_token, **kwargs)
        try:
            data = response.json()
        except ValueError as exc:
            raise GraphApiError(
                http_status=response.status_code,
                code=TRANSPORT_ERROR,
                message="Meta answered with something that is not JSON",
            ) from exc
        if not isinstance(data, dict):
            raise GraphApiError(http_status=response.status_code, code=TRANSPORT_ERROR, message="unexpected answer")
        return data

    async def send(self, *, access_token: str, phone_number_id: str, payload: dict[str, Any]) -> SendResult:
        """Any body of `outbound_payloads`. Meta's 200 means accepted, not delivered."""
        data = await self._json("POST", f"{phone_number_id}/messages", access_token, json=payload)
        messages = data.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise GraphApiError(http_status=200, code=TRANSPORT_ERROR, message="Meta's answer names no message id")
        contacts = data.get("contacts") if isinstance(data.get("contacts"), list) else []
        wa_id = str(contacts[0].get("wa_id", "")) if contacts and isinstance(contacts[0], dict) else ""
        status = messages[0].get("message_status")
        return SendResult(
            meta_id=str(messages[0].get("id", "")), wa_id=wa_id, message_status=str(status) if status else None
        )

    async def mark_as_read(self, *, access_token: str, phone_number_id: str, message_id: str) -> None:
        await self._json(
            "POST",
            f"{phone_number_id}/messages",
            access_token,
            json={"messaging_product": "whatsapp", "status": "read", "message_id": message_id},
        )

    async def upload_media(
        self, *, access_token: str, phone_number_id: str, content: bytes, mime_type: str, filename: str
    ) -> str:
        data = await self._json(
            "POST",
            f"{phone_number_id}/media",
            access_token,
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        return str(data.get("id", ""))

    async def get_media(self, *, access_token: str, media_id: str) -> MediaInfo:
        data = await self._json("GET", media_id, access_token)
        size = data.get("file_size")
        return MediaInfo(
            url=str(data.get("url", "")),
            mime_type=str(data.get("mime_type", "")),
            sha256=str(data.get("sha256", "")),
            file_size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        )

    async def download_media(self, *, access_token: str, url: str, max_bytes: int) -> bytes:
        """The bytes behind a media URL (it needs the bearer token, and expires after 5 minutes)."""
        response = await self._request("GET", url, access_token)
        if len(response.content) > max_bytes:
            raise GraphApiError(http_status=413, code=131052, message="the file is larger than allowed")
        return response.content

    async def create_template(
        self,
        *,
        access_token: str,
        waba_id: str,
        name: str,
        category: str,
        language: str,
        components: list[dict[str, Any]],
    ) -> dict[str, Any]:
        return await self._json(
            "POST",
            f"{waba_id}/message_templates",
            access_token,
            json={"name": name, "category": category, "language": language, "components": components},
        )

    async def list_templates(self, *, access_token: str, waba_id: str, limit: int = 100) -> list[dict[str, Any]]:
        data = await self._json("GET", f"{waba_id}/message_templates", access_token, params={"limit": limit})
        items = data.get("data")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    async def delete_template(self, *, access_token: str, waba_id: str, name: str) -> None:
        await self._json("DELETE", f"{waba_id}/message_templates", access_token, params={"name": name})
