"""A customer's reaction lives on the message it names, as WhatsApp shows it: one per customer
and message, a new one replaces the last, an empty emoji removes it (Meta sends a removal as a
reaction with `emoji: ""`, pywa's `unreaction_empty`, or with no emoji at all).

Each reaction is also stored as a message of its own (Meta's id, for redeliveries; the raw
event); the one a later reaction replaced is marked `superseded`, and one put on its message
`shown_on`, so the chat shows only the reaction that stands, on its message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.messages import repository as repo
from sportello.messages.models import Direction, Message
from sportello.realtime import service as live


def current(message: Message) -> list[dict[str, Any]]:
    """The reactions that stand on `message`: `{direction, emoji, meta_id, at}` each."""
    found = message.content.get("reactions")
    return [r for r in found if isinstance(r, dict) and r.get("emoji")] if isinstance(found, list) else []


async def _supersede(session: AsyncSession, message: Message, meta_id: str) -> None:
    if message.whatsapp_number_id is None or not meta_id:
        return
    old = await repo.find_by_meta_id(session, whatsapp_number_id=message.whatsapp_number_id, meta_id=meta_id)
    if old is not None and not old.content.get("superseded"):
        old.content = {**old.content, "superseded": True}
        await live.record_message(session, old)


async def apply_customer_reaction(session: AsyncSession, reaction: Message) -> Message | None:
    """Put the stored inbound `reaction` on the message it names; returns that message, or
    `None` when it is not in the chat (a reaction to a message older than Sportello's history)."""
    body = reaction.content.get("reaction")
    if not isinstance(body, dict) or reaction.whatsapp_number_id is None or reaction.sent_at is None:
        return None
    target = await repo.find_by_meta_id(
        session, whatsapp_number_id=reaction.whatsapp_number_id, meta_id=str(body.get("message_id") or "")
    )
    if target is None or target.chat_id != reaction.chat_id:
        return None
    at = reaction.sent_at.isoformat()
    standing = current(target)
    mine = next((r for r in standing if r.get("direction") == Direction.INBOUND.value), None)
    if mine is not None and str(mine.get("at", "")) > at:
        # Webhooks may arrive out of order: a reaction older than the one that stands changes nothing.
        reaction.content = {**reaction.content, "superseded": True}
        return target
    if mine is not None:
        await _supersede(session, target, str(mine.get("meta_id") or ""))
    kept = [r for r in standing if r is not mine]
    emoji = str(body.get("emoji") or "")
    if emoji:
        kept.append({"direction": Direction.INBOUND.value, "emoji": emoji, "meta_id": reaction.meta_id, "at": at})
    target.content = {**target.content, "reactions": kept}
    # The chat shows it on that message, not as a line of its own (`shown_on`: the message's uuid).
    reaction.content = {**reaction.content, "shown_on": target.uuid}
    await live.record_message(session, target)
    return target


async def apply_own_reaction(session: AsyncSession, reaction: Message) -> None:
    """Put the business's own stored (outbound) `reaction` on the message it names, as WhatsApp
    shows it to the agent: one per message, a new one replaces the last, an empty one removes it."""
    body = reaction.content.get("reaction")
    if not isinstance(body, dict) or reaction.whatsapp_number_id is None:
        return
    target = await repo.find_by_meta_id(
        session, whatsapp_number_id=reaction.whatsapp_number_id, meta_id=str(body.get("message_id") or "")
    )
    if target is None or target.chat_id != reaction.chat_id:
        return
    standing = current(target)
    kept = [r for r in standing if r.get("direction") != Direction.OUTBOUND.value]
    emoji = str(body.get("emoji") or "")
    if emoji:
        at = datetime.now(UTC).isoformat()
        kept.append({"direction": Direction.OUTBOUND.value, "emoji": emoji, "meta_id": reaction.uuid, "at": at})
    target.content = {**target.content, "reactions": kept}
    await live.record_message(session, target)
