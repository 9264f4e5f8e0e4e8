"""Starts and stops the background workers, in the web process (default) or in `sportello worker`."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sportello.credentials.pruner import ExpiredCredentialPruner
from sportello.kit.encryption import SecretBox
from sportello.kit.http_clients import ClientRing
from sportello.mail.sender import MailSender
from sportello.messages.media_fetcher import MediaFetcher
from sportello.messages.sender import MAX_IN_FLIGHT, OutboundSender
from sportello.operator_console.pruner import ExpiredOperatorSessionPruner
from sportello.read_receipts.sender import ReadReceiptSender
from sportello.realtime.pruner import LiveEventPruner
from sportello.settings import Settings
from sportello.webhooks.flows import FLOWS
from sportello.webhooks.processor import WebhookProcessor
from sportello.whatsapp.client import GraphApiClient


class Workers:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, box: SecretBox) -> None:
        # Pooled clients for the calls to Meta; their timeouts bound a send attempt. The sender's
        # keep every connection alive, as many in all as it has sends on the way at most: a pool
        # that kept fewer closed and reopened a connection per send beyond them.
        timeout = httpx.Timeout(20.0, connect=5.0)
        self.http = httpx.AsyncClient(timeout=timeout)
        self.send_http = ClientRing(MAX_IN_FLIGHT, timeout=timeout)
        self.mail = MailSender(sessionmaker, settings)
        self.webhooks = WebhookProcessor(sessionmaker, FLOWS, settings.webhook_poll_seconds)
        self.sender = OutboundSender(sessionmaker, settings, box, self.send_http)
        self.media = MediaFetcher(
            sessionmaker,
            settings,
            box,
            GraphApiClient(self.http, base_url=settings.graph_api_base_url, version=settings.graph_api_version),
        )
        self.read_receipts = ReadReceiptSender(sessionmaker, settings, box, self.http)
        self.live_pruner = LiveEventPruner(sessionmaker)
        self.credential_pruner = ExpiredCredentialPruner(sessionmaker)
        self.operator_session_pruner = ExpiredOperatorSessionPruner(sessionmaker)

    def start(self) -> None:
        self.mail.start()
        self.webhooks.start()
        self.sender.start()
        self.media.start()
        self.read_receipts.start()
        self.live_pruner.start()
        self.credential_pruner.start()
        self.operator_session_pruner.start()

    async def stop(self) -> None:
        await self.operator_session_pruner.stop()
        await self.credential_pruner.stop()
        await self.live_pruner.stop()
        await self.read_receipts.stop()
        await self.media.stop()
        await self.sender.stop()
        await self.webhooks.stop()
        await self.mail.stop()
        await self.http.aclose()
        await self.send_http.aclose()
