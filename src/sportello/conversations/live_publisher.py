"""The last step of a transaction that changed what pages show: every change it noted
(`realtime.service`) rendered once, in the shape the REST reads give it, numbered per account,
stored, and handed to the bus after the commit.

Rendering takes a fixed number of queries whatever the number of changes (a batch of a hundred
webhooks is one pass), and the bytes of each event are made here, once: every socket that may
hear it is written the same string."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats import repository as chats_repo
from sportello.chats.models import Chat
from sportello.contacts import repository as contacts_repo
from sportello.conversations.chat_schemas import ChatRead
from sportello.conversations.chat_shapes import chats_read
from sportello.db.unit_of_work import after_commit
from sportello.messages import repository as messages_repo
from sportello.messages.models import Message
from sportello.messages.shapes import media_of, message_read, quoted_of, senders_of
from sportello.payments import repository as payments_repo
from sportello.payments.shapes import requests_read
from sportello.realtime import repository as repo
from sportello.realtime import service
from sportello.realtime.bus import PUBLISHER_KEY, SESSION_INFO_KEY, LocalBus, PublishedEvent
from sportello.realtime.kinds import LiveEventKind
from sportello.settings import Settings
from sportello.templates import repository as templates_repo
from sportello.templates.shapes import template_read


@dataclass
class _Draft:
    kind: LiveEventKind
    chat: Chat | None
    ref: str
    data: BaseModel | dict[str, Any] | None
    unread_delta: int | None = None
    lost_by: frozenset[int] = frozenset()


def _json(data: BaseModel | dict[str, Any] | None) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True)
    return data


class Publisher:
    """Held by every session of the app (`session.info`): renders, stores and publishes."""

    def __init__(self, bus: LocalBus, settings: Settings) -> None:
        self.bus = bus
        self.settings = settings

    async def stage(self, session: AsyncSession) -> None:
        changes, unread_before = service.noted_changes(session)
        if changes is None or not changes.accounts():
            return
        await session.flush()
        drafts = await self._render(session, changes, unread_before)
        by_account: dict[int, list[_Draft]] = defaultdict(list)
        # Who is assigned each contact, as the chat events just rendered say: asked only for the rest.
        known: dict[int, set[int]] = {}
        for account_id, draft in drafts:
            by_account[account_id].append(draft)
            if isinstance(draft.data, ChatRead) and draft.chat is not None:
                known[draft.chat.contact_id] = {operator.id for operator in draft.data.operators}
        chats = [d.chat for ds in by_account.values() for d in ds if d.chat and d.chat.contact_id not in known]
        operators = known | await self._operators(session, chats)
        published: dict[int, list[PublishedEvent]] = {}
        rows: list[dict[str, Any]] = []
        for account_id in sorted(by_account):
            account_drafts = by_account[account_id]
            # Taken last, for as short a lock as can be: the numbers of this account now follow commits.
            last = await repo.take_numbers(session, account_id=account_id, count=len(account_drafts))
            events = []
            for seq, draft in enumerate(account_drafts, start=last - len(account_drafts) + 1):
                chat_uuid = draft.chat.uuid if draft.chat is not None else ""
                envelope: dict[str, Any] = {
                    "id": seq,
                    "kind": draft.kind.value,
                    "chat_uuid": chat_uuid,
                    "ref": draft.ref,
                }
                if draft.data is not None:
                    envelope["data"] = _json(draft.data)
                if draft.unread_delta is not None:
                    envelope["unread_delta"] = draft.unread_delta
                event = PublishedEvent(
                    seq=seq,
                    chat_uuid=chat_uuid,
                    operators=service.ids_text(operators.get(draft.chat.contact_id, set())) if draft.chat else "",
                    lost_by=service.ids_text(draft.lost_by),
                    body=orjson.dumps(envelope).decode(),
                )
                events.append(event)
                rows.append(
                    {
                        "account_id": account_id,
                        "seq": seq,
                        "kind": draft.kind.value,
                        "chat_uuid": chat_uuid,
                        "operators": event.operators,
                        "lost_by": event.lost_by,
                        "body": event.body,
                    }
                )
            published[account_id] = events
        await repo.add_many(session, rows)
        bus: LocalBus | None = session.info.get(SESSION_INFO_KEY)
        if bus is None:
            return

        async def publish() -> None:
            for account_id, events in published.items():
                await bus.publish(account_id, events)

        after_commit(session, publish)

    async def _operators(self, session: AsyncSession, chats: Sequence[Chat]) -> dict[int, set[int]]:
        contact_ids = sorted({chat.contact_id for chat in chats})
        found = await contacts_repo.operators_of(session, contact_ids)
        return {contact_id: {user.id for user in users} for contact_id, users in found.items()}

    async def _render(
        self, session: AsyncSession, changes: service.Changes, unread_before: dict[int, int]
    ) -> list[tuple[int, _Draft]]:
        """Every change as a draft event, in this order: messages, payments, chats, templates, "many chats"."""
        settings = self.settings
        messages = await messages_repo.changed(session, ids=changes.messages, uuids=changes.message_uuids)
        payments = await payments_repo.by_id(session, changes.payments)
        chat_ids = set(changes.chats) | {m.chat_id for m in messages} | {p.chat_id for p in payments}
        chats = await chats_repo.by_id(session, chat_ids, fresh=True)
        drafts: list[tuple[int, _Draft]] = []
        media = await media_of(session, [m.id for m in messages]) if messages else {}
        if messages:
            senders = await senders_of(session, messages)
            by_chat: dict[int, list[Message]] = defaultdict(list)
            for message in messages:
                by_chat[message.chat_id].append(message)
            for chat_id, of_chat in by_chat.items():
                chat = chats.get(chat_id)
                if chat is None:
                    continue
                quoted = await quoted_of(session, chat, of_chat)
                for message in of_chat:
                    shape = message_read(
                        message,
                        chat,
                        media.get(message.id, []),
                        settings.public_app_url,
                        settings.public_api_url,
                        quoted,
                        senders,
                    )
                    drafts.append((message.account_id, _Draft(LiveEventKind.MESSAGE, chat, message.uuid, shape)))
        if payments:
            for request, payment in zip(
                payments, await requests_read(session, payments, settings.public_app_url), strict=True
            ):
                chat = chats.get(request.chat_id)
                drafts.append((request.account_id, _Draft(LiveEventKind.PAYMENT, chat, request.public_id, payment)))
        changed_chats = [chats[chat_id] for chat_id in changes.chats if chat_id in chats]
        if changed_chats:
            shapes = await chats_read(
                session, changed_chats, settings, messages={m.id: m for m in messages}, media=media
            )
            for chat, chat_shape in zip(changed_chats, shapes, strict=True):
                before = unread_before.get(chat.id, changes.unread_noted.get(chat.id, chat.unread_count))
                delta = int(chat.unread_count > 0) - int(before > 0)
                lost = frozenset(changes.lost.get(chat.id, ()))
                drafts.append(
                    (
                        chat.account_id,
                        _Draft(LiveEventKind.CHAT, chat, "", chat_shape, unread_delta=delta, lost_by=lost),
                    )
                )
        if changes.templates:
            found = await templates_repo.by_id(session, changes.templates)
            for template_id, account_id in changes.templates.items():
                template = found.get(template_id)
                # A deleted template is told as gone: the page drops it.
                data = template_read(template) if template is not None else {"id": template_id, "deleted": True}
                drafts.append((account_id, _Draft(LiveEventKind.TEMPLATE, None, str(template_id), data)))
        for account_id in dict.fromkeys(changes.bulk):
            drafts.append((account_id, _Draft(LiveEventKind.CHATS, None, "", None)))
        return drafts


def live_info(bus: LocalBus, settings: Settings) -> dict[str, Any]:
    """What the sessions of an app or a worker carry so that their changes are told live."""
    return {SESSION_INFO_KEY: bus, PUBLISHER_KEY: Publisher(bus, settings)}
