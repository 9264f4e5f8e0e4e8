"""The read-receipt sender: takes the calls the agents' pages asked for to Meta, after their
commit and off the request, so an agent never waits on Meta and a web process with no Graph
client at hand still has its receipts sent (by whichever process runs the workers).

A call is best effort: a rate error, a 5xx or a timeout is tried again a few times with
backoff, anything else is logged and dropped; the customer's next message asks again."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.db.unit_of_work import unit_of_work
from sportello.kit.encryption import SecretBox
from sportello.kit.queue import QueueLoop, backoff
from sportello.read_receipts import repository as repo
from sportello.read_receipts.limits import TYPING_SECONDS
from sportello.read_receipts.models import ReadReceipt
from sportello.settings import Settings
from sportello.whatsapp.client import GraphApiClient
from sportello.whatsapp.errors import GraphApiError

logger = logging.getLogger("sportello.read_receipts")
BATCH = 32
MAX_ATTEMPTS = 3
CLAIM = timedelta(seconds=60)


@dataclass(frozen=True)
class _Call:
    chat_id: int
    requested: int
    attempts: int
    meta_id: str
    phone_number_id: str
    access_token: str
    typing: bool


class ReadReceiptSender(QueueLoop):
    name = "read-receipt-sender"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        box: SecretBox,
        http: httpx.AsyncClient,
    ) -> None:
        super().__init__(repo.QUEUE, settings.send_poll_seconds)
        self._sessionmaker = sessionmaker
        self._box = box
        self._client = GraphApiClient(http, base_url=settings.graph_api_base_url, version=settings.graph_api_version)

    async def round(self) -> int:
        calls = await self._claim()
        await asyncio.gather(*(self._send(call) for call in calls))
        return len(calls)

    async def _claim(self) -> list[_Call]:
        """A batch of due calls in one statement, with their numbers in one more."""
        now = datetime.now(UTC)
        async with unit_of_work(self._sessionmaker) as session:
            claimed = await repo.QUEUE.claim(
                session,
                limit=BATCH,
                hold=CLAIM,
                now=now,
                columns=(
                    ReadReceipt.requested,
                    ReadReceipt.attempts,
                    ReadReceipt.meta_id,
                    ReadReceipt.whatsapp_number_id,
                    ReadReceipt.typing_requested_at,
                ),
            )
            routes = await repo.routes(session, [row[4] for row in claimed if row[4] is not None])
            calls, dropped = [], []
            for chat_id, requested, attempts, meta_id, number_id, typed in claimed:
                route = routes.get(number_id) if number_id is not None else None
                if route is None or not route.receipts_on:
                    # The number was disconnected or the account turned receipts off meanwhile.
                    dropped.append(chat_id)
                    continue
                calls.append(
                    _Call(
                        chat_id=chat_id,
                        requested=requested,
                        attempts=attempts,
                        meta_id=meta_id,
                        phone_number_id=route.phone_number_id,
                        access_token=self._box.open(route.access_token_sealed),
                        # A late indicator would show "typing…" after the agent stopped: only a fresh one goes.
                        typing=typed is not None and now - typed < timedelta(seconds=TYPING_SECONDS),
                    )
                )
            await repo.QUEUE.finish(session, dropped)
        return calls

    async def _send(self, call: _Call) -> None:
        try:
            await self._client.mark_as_read(
                access_token=call.access_token,
                phone_number_id=call.phone_number_id,
                message_id=call.meta_id,
                typing=call.typing,
            )
        except GraphApiError as error:
            again = error.is_retryable and call.attempts < MAX_ATTEMPTS
            async with unit_of_work(self._sessionmaker) as session:
                await repo.settle(
                    session,
                    call.chat_id,
                    requested=call.requested,
                    due_at=datetime.now(UTC) + backoff(call.attempts) if again else None,
                    reset_attempts=not again,
                )
            logger.warning(
                "read receipt failed",
                extra={"chat_id": call.chat_id, "code": error.code, "error": error.message, "retried": again},
            )
            return
        async with unit_of_work(self._sessionmaker) as session:
            await repo.settle(session, call.chat_id, requested=call.requested, due_at=None, reset_attempts=True)


def wake_local_senders() -> None:
    """Called after a commit that asked for a call: this process's sender goes at once."""
    repo.QUEUE.wake()
