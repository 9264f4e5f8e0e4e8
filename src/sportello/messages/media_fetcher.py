"""Downloads inbound media: media id → a fresh URL (they expire after 5 minutes) → the bytes,
with the bearer token; kept in the data folder under limits per kind. A failed download is
retried with backoff a few times, then marked failed with its reason."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.encryption import SecretBox
from sportello.kit.queue import DurableQueue, QueueLoop, backoff
from sportello.messages import repository as repo
from sportello.messages.models import Media, MediaStatus, Message
from sportello.private_files import write_private_file
from sportello.realtime import service as live
from sportello.settings import Settings
from sportello.whatsapp.client import GraphApiClient
from sportello.whatsapp.errors import GraphApiError

logger = logging.getLogger("sportello.media")
MAX_ATTEMPTS = 5
BATCH_SIZE = 10
# How long a download may take before another fetcher may try the same file.
CLAIM_HOLD = timedelta(minutes=5)
# Meta's limits per kind (bytes).
SIZE_LIMITS = {
    "image": 5 * 1024**2,
    "audio": 16 * 1024**2,
    "video": 16 * 1024**2,
    "sticker": 500 * 1024,
    "document": 100 * 1024**2,
}


def media_path(account_id: int, media_uuid: str) -> str:
    """Relative to the data folder; the name is ours, never the sender's filename."""
    return f"media/{account_id}/{media_uuid}"


# Media waiting for its bytes; `next_attempt_at` is the lease while a fetcher downloads it and
# the backoff after a failure. Attempts count failures only (the fetcher adds them), not claims.
QUEUE = DurableQueue(
    name="media",
    id_column=Media.id,
    lease=Media.next_attempt_at,
    waiting=(Media.status == MediaStatus.PENDING) & Media.meta_media_id.is_not(None),
)


async def fetch_pending(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, box: SecretBox, client: GraphApiClient
) -> int:
    async with unit_of_work(sessionmaker) as session:
        claimed = await QUEUE.claim(
            session,
            limit=BATCH_SIZE,
            hold=CLAIM_HOLD,
            columns=(Media.uuid, Media.account_id, Media.kind, Media.meta_media_id, Media.message_id),
        )
        sealed_tokens = await repo.sealed_tokens_of(session, [row[5] for row in claimed])
    opened: dict[str, str] = {}
    jobs = [
        (media_id, media_uuid, account_id, kind, str(meta_media_id), sealed_tokens.get(message_id))
        for media_id, media_uuid, account_id, kind, meta_media_id, message_id in claimed
    ]
    for media_id, media_uuid, account_id, kind, meta_media_id, sealed in jobs:
        try:
            if sealed is None:
                raise GraphApiError(http_status=410, code=0, message="its number is no longer connected")
            token = opened.get(sealed) or opened.setdefault(sealed, box.open(sealed))
            info = await client.get_media(access_token=token, media_id=meta_media_id)
            limit = SIZE_LIMITS.get(kind, SIZE_LIMITS["document"])
            if info.file_size is not None and info.file_size > limit:
                raise GraphApiError(http_status=413, code=131052, message=f"larger than {limit} bytes")
            content = await client.download_media(access_token=token, url=info.url, max_bytes=limit)
            relative = media_path(account_id, media_uuid)
            await asyncio.to_thread(write_private_file, settings.data_dir, relative, content)
        except GraphApiError as error:
            async with unit_of_work(sessionmaker) as session:
                media = await session.get(Media, media_id)
                if media is not None:
                    media.attempts += 1
                    media.error = error.message[:1000]
                    retry = error.is_retryable or error.http_status in (0, 404) or error.http_status >= 500
                    if media.attempts >= MAX_ATTEMPTS or not retry:
                        media.status = MediaStatus.FAILED
                        media.next_attempt_at = None
                        await _tell_pages(session, media)
                    else:
                        media.next_attempt_at = datetime.now(UTC) + backoff(media.attempts)
            logger.warning("media not fetched", extra={"media": media_uuid, "error": error.message})
            continue
        async with unit_of_work(sessionmaker) as session:
            media = await session.get(Media, media_id)
            if media is not None:
                media.storage_path = relative
                media.size = len(content)
                media.mime_type = info.mime_type or media.mime_type
                media.status = MediaStatus.READY
                media.error = ""
                media.next_attempt_at = None
                await _tell_pages(session, media)
    return len(jobs)


async def _tell_pages(session: AsyncSession, media: Media) -> None:
    """The chat open on someone's screen swaps "the file is arriving" for the file."""
    message = await session.get(Message, media.message_id) if media.message_id is not None else None
    if message is not None:
        await live.record_message(session, message)


class MediaFetcher(QueueLoop):
    name = "media-fetcher"

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, box: SecretBox, client: GraphApiClient
    ) -> None:
        super().__init__(QUEUE, settings.webhook_poll_seconds)
        self._args = (sessionmaker, settings, box, client)

    async def round(self) -> int:
        return await fetch_pending(*self._args)
