"""Message files over HTTP: for the iframe (frame session bearer) and the full web app (login)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import FileResponse

from sportello.accounts.actor import Actor
from sportello.chats import service as chats_service
from sportello.credentials.deps import (
    ApiKeyCaller,
    FrameSessionCaller,
    PageViewer,
    PageViewerThatCanReply,
    PageViewerThatCanReplyInChat,
    PageViewerThatCanStartChats,
)
from sportello.credentials.scope import reachable_chats
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.schemas import ERROR_RESPONSES
from sportello.messages import service
from sportello.messages.schemas import (
    MediaUploaded,
    MessageRead,
    MessageSend,
    MessageSender,
    NewChat,
    NewChatOpened,
    WebSend,
)
from sportello.messages.shapes import message_read

api_router = APIRouter(prefix="/api/1", responses=ERROR_RESPONSES)
web_router = APIRouter(prefix="/web/api", include_in_schema=False)
MediaUuid = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="The file's uuid.")]
ChatUuid = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]
MessageUuid = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]
INLINE = ("image/jpeg", "image/png", "image/webp", "audio/", "video/")


async def _file(
    session: DbSession, settings: AppSettings, actor: Actor, media_uuid: str, only_chats: tuple[str, ...] | None
) -> FileResponse:
    media = await service.get_media(session, actor=actor, media_uuid=media_uuid, only_chats=only_chats)
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


@api_router.get("/media/{media_uuid}/", tags=["media"], summary="A message's file (frame session)")
async def frame_media(
    media_uuid: MediaUuid, caller: FrameSessionCaller, session: DbSession, settings: AppSettings
) -> FileResponse:
    return await _file(session, settings, caller.actor, media_uuid, reachable_chats(caller.frame))


@api_router.post("/messages/send/", status_code=201, tags=["messages"], summary="Send a message, template or note")
async def send_message(
    body: MessageSend, caller: ApiKeyCaller, session: DbSession, settings: AppSettings
) -> MessageRead:
    """Answers at once with the stored message (`send_status` `Pending`); it then moves to `Sent`,
    `Delivered`, `Read` or `Error` (with Meta's code and a readable reason). Free text only
    within 24 hours of the customer's last message (`window_closed` otherwise: send a template)."""
    message, chat = await service.send_from_api(session, account_id=caller.account_id, body=body, sender_user_id=None)
    return message_read(message, chat, [], settings.public_app_url, settings.public_api_url)


@api_router.post("/media/", status_code=201, tags=["media"], summary="Upload a file to send")
async def upload_media(
    file: Annotated[UploadFile, File(description="An image, document, audio or video.")],
    caller: ApiKeyCaller,
    session: DbSession,
    settings: AppSettings,
) -> MediaUploaded:
    """Kept until a message sends it (`content_type` Image, Document, Audio or Video, `media`=uuid);
    types and sizes as WhatsApp allows them."""
    return await _store(file, caller.account_id, session, settings)


async def _store(file: UploadFile, account_id: int, session: DbSession, settings: AppSettings) -> MediaUploaded:
    media = await service.store_upload(
        session,
        account_id=account_id,
        content=await file.read(),
        mime_type=file.content_type or "",
        filename=file.filename or "file",
        data_dir=settings.data_dir,
    )
    return MediaUploaded(
        uuid=media.uuid, kind=media.kind, mime_type=media.mime_type, size=media.size or 0, filename=media.filename
    )


@web_router.get("/media/{media_uuid}/")
async def app_media(
    media_uuid: MediaUuid, viewer: PageViewer, session: DbSession, settings: AppSettings
) -> FileResponse:
    return await _file(session, settings, viewer.actor, media_uuid, viewer.reachable_chats)


@web_router.post("/media/", status_code=201)
async def app_upload_media(
    file: Annotated[UploadFile, File()], viewer: PageViewerThatCanReply, session: DbSession, settings: AppSettings
) -> MediaUploaded:
    return await _store(file, viewer.user.account_id, session, settings)


@web_router.post("/chats/{chat_uuid}/messages/", status_code=201)
async def app_send(
    chat_uuid: ChatUuid, body: WebSend, viewer: PageViewerThatCanReplyInChat, session: DbSession, settings: AppSettings
) -> MessageRead:
    """The chat footer: a reply, a template or a note, from whoever the page is signed in as."""
    chat = await chats_service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    send = MessageSend.model_validate({**body.model_dump(exclude_unset=True), "chat_uuid": chat.uuid})
    message, chat = await service.send_from_api(
        session, account_id=chat.account_id, body=send, sender_user_id=viewer.user.id
    )
    me = {viewer.user.id: MessageSender(id=viewer.user.id, name=viewer.user.name)}
    return message_read(message, chat, [], settings.public_app_url, settings.public_api_url, senders=me)


@web_router.post("/chats/{chat_uuid}/messages/{message_uuid}/retry/")
async def app_retry(
    chat_uuid: ChatUuid,
    message_uuid: MessageUuid,
    viewer: PageViewerThatCanReplyInChat,
    session: DbSession,
    settings: AppSettings,
) -> MessageRead:
    chat = await chats_service.get_visible_chat(session, actor=viewer.actor, uuid=chat_uuid)
    message = await service.retry(session, chat=chat, uuid=message_uuid)
    return message_read(message, chat, [], settings.public_app_url, settings.public_api_url)


@web_router.post("/chats/new/", status_code=201)
async def app_new_chat(body: NewChat, viewer: PageViewerThatCanStartChats, session: DbSession) -> NewChatOpened:
    """A first message to a phone number: a template, since the customer has not written (yet)."""
    chat = await service.start_chat(session, actor=viewer.actor, body=body)
    return NewChatOpened(chat_uuid=chat.uuid)
