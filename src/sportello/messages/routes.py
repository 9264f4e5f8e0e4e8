"""Message files over HTTP: for the iframe (frame session bearer) and the full web app (login)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from sportello.accounts.actor import Actor
from sportello.accounts.deps import SignedInUser
from sportello.credentials.deps import FrameSessionCaller
from sportello.kit.deps import AppSettings, DbSession
from sportello.messages import service

api_router = APIRouter(prefix="/api/1", tags=["media"])
web_router = APIRouter(prefix="/web/api", include_in_schema=False)
MediaUuid = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="The file's uuid.")]
INLINE = ("image/jpeg", "image/png", "image/webp", "audio/", "video/")


async def _file(session: DbSession, settings: AppSettings, actor: Actor, media_uuid: str) -> FileResponse:
    media = await service.get_media(session, actor=actor, media_uuid=media_uuid)
    assert media.storage_path is not None
    inline = media.mime_type.startswith(INLINE)
    response = FileResponse(
        settings.data_dir / media.storage_path,
        media_type=media.mime_type or "application/octet-stream",
        filename=media.filename or f"{media.kind}-{media.uuid[:8]}",
        content_disposition_type="inline" if inline else "attachment",
    )
    # A customer's file is never run as a page of ours, whatever it claims to be.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@api_router.get("/media/{media_uuid}/", summary="A message's file (frame session)")
async def frame_media(
    media_uuid: MediaUuid, caller: FrameSessionCaller, session: DbSession, settings: AppSettings
) -> FileResponse:
    return await _file(session, settings, caller.actor, media_uuid)


@web_router.get("/media/{media_uuid}/")
async def app_media(
    media_uuid: MediaUuid, signed_in: SignedInUser, session: DbSession, settings: AppSettings
) -> FileResponse:
    return await _file(session, settings, signed_in.actor, media_uuid)
