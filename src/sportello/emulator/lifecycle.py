"""What happens after Meta accepts a send: sent → delivered → read status webhooks (or failed),
and what a customer's message looks like when it reaches the business."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from sportello.emulator.config import Business
from sportello.emulator.errors import async_error
from sportello.emulator.outbox import WebhookOutbox, envelope, metadata
from sportello.emulator.state import Customer, Entry, State, new_wamid


def _person(customer: Customer, name: str = "", *, with_username: bool = True) -> dict[str, Any]:
    """A `contacts[]` item as Meta sends it since April 2026: `user_id` always, `wa_id` unless
    the user hides their phone behind a username, `profile.username` when they have one
    (M-BSUID; pywa's test data `tests/data/updates/message.json`)."""
    profile: dict[str, Any] = {"name": name} if name else {}
    if customer.username and with_username:
        profile["username"] = customer.username
    person: dict[str, Any] = {"profile": profile}
    if not customer.hide_phone:
        person["wa_id"] = customer.phone
    person["user_id"] = customer.user_id
    return person


def _status(business: Business, entry: dict[str, Any], status: str, customer: Customer, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry["wamid"], "status": status, "timestamp": str(int(time.time()))}
    # `recipient_id` is the phone when the send went to one or Meta may show it; sent, delivered
    # and read carry `recipient_user_id` and a `contacts` item; a failed one has no `contacts`,
    # and no `recipient_user_id` when it was sent to a phone (M-BSUID, as quoted by
    # dualhook.com/docs/contacts-bsuid-webhooks; pywa's tests/data/updates/message_status.json).
    to_bsuid = bool(entry.get("recipient"))
    if not to_bsuid or not customer.hide_phone:
        item["recipient_id"] = customer.phone
    if status != "failed" or to_bsuid:
        item["recipient_user_id"] = customer.user_id
    item.update(extra)
    if entry.get("biz_opaque_callback_data"):
        item["biz_opaque_callback_data"] = entry["biz_opaque_callback_data"]
    value: dict[str, Any] = {"messaging_product": "whatsapp", "metadata": metadata(business)}
    if status != "failed":
        # The username is in delivered and read, not in sent (M-BSUID).
        value["contacts"] = [_person(customer, with_username=status != "sent")]
    value["statuses"] = [item]
    return envelope(business, value)


def _pricing(entry: dict[str, Any]) -> dict[str, Any]:
    category = "marketing" if entry["type"] == "template" else "service"
    return {
        "billable": category != "service",
        "pricing_model": "PMP",
        "type": "regular" if category != "service" else "free_customer_service",
        "category": category,
    }


async def progress(
    state: State,
    outbox: WebhookOutbox,
    rng: random.Random,
    business: Business,
    entry: dict[str, Any],
    conversation_entry: Entry,
) -> None:
    """Status webhooks of one accepted send, at the configured delays."""
    config = state.config
    customer = state.customer(entry["to"])
    await asyncio.sleep(config.sent_delay)
    if entry["to"].endswith("0000"):
        conversation_entry.status = "failed"
        outbox.send(
            business,
            _status(
                business,
                entry,
                "failed",
                customer,
                errors=[
                    async_error(
                        131026, "Message undeliverable", "The recipient's phone number is not a WhatsApp phone number."
                    )
                ],
            ),
        )
        return
    if entry["type"] != "template" and not entry["window_open"]:
        conversation_entry.status = "failed"
        outbox.send(
            business,
            _status(
                business,
                entry,
                "failed",
                customer,
                errors=[
                    async_error(
                        131047,
                        "Re-engagement message",
                        "Message failed to send because more than 24 hours have passed since the customer last replied "
                        "to this number.",
                    )
                ],
            ),
        )
        return
    conversation_entry.status = "sent"
    outbox.send(business, _status(business, entry, "sent", customer, pricing=_pricing(entry)))
    await asyncio.sleep(config.delivered_delay)
    skip_delivered = config.auto_read and rng.random() < config.read_without_delivered_probability
    if not skip_delivered:
        conversation_entry.status = "delivered"
        outbox.send(business, _status(business, entry, "delivered", customer, pricing=_pricing(entry)))
    if not config.auto_read:
        return
    await asyncio.sleep(config.read_delay)
    conversation_entry.status = "read"
    outbox.send(business, _status(business, entry, "read", customer))


def inbound(
    state: State,
    business: Business,
    sender: str,
    name: str,
    kind: str,
    body: dict[str, Any],
    context: str | None = None,
) -> tuple[dict[str, Any], Entry]:
    """The webhook of a customer's message, shaped like Meta's samples; opens their 24-hour window."""
    now = time.time()
    wamid = new_wamid()
    customer = state.customer(sender)
    message: dict[str, Any] = {"id": wamid, "timestamp": str(int(now)), "type": kind, kind: body}
    if not customer.hide_phone:
        # A username user's message comes without `from` (their phone); Meta's sample of such
        # a message (M-BSUID, "Requesting phone numbers") has only `id`, `timestamp`, `type`.
        message = {"from": sender, **message}
    if context:
        message["context"] = {"from": business.display_phone_number, "id": context}
    if kind == "contacts":
        # Meta puts the list itself under "contacts", not an object.
        message["contacts"] = body.get("contacts", [])
        if body.get("origin"):
            message["origin"] = body["origin"]
    state.last_inbound[(business.phone_number_id, sender)] = now
    state.count_inbound(business.phone_number_id, now)
    reply = body.get(str(body.get("type", ""))) if kind == "interactive" else None
    text = str(
        body.get("body")
        or body.get("caption")
        or body.get("text")
        or body.get("name")
        or body.get("emoji")
        or (reply.get("title", "") if isinstance(reply, dict) else "")
    )
    entry = Entry(direction="in", wamid=wamid, type=kind, text=text, payload=body, at=now)
    state.conversation(business.phone_number_id, sender).append(entry)
    value = {
        "messaging_product": "whatsapp",
        "metadata": metadata(business),
        "contacts": [_person(customer, name)],
        "messages": [message],
    }
    return envelope(business, value), entry


def template_status(
    business: Business, template_id: str, name: str, language: str, event: str, reason: str, category: str
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "event": event,
        "message_template_id": int(template_id),
        "message_template_name": name,
        "message_template_language": language,
        "reason": reason,
        "message_template_category": category,
    }
    if event == "REJECTED" and reason == "INVALID_FORMAT":
        # Meta adds `rejection_info` for INVALID_FORMAT only (shared/whatsapp-cloud-api.md §2, M-TPLWH).
        value["rejection_info"] = {
            "reason": "The template's variables are not formatted correctly.",
            "recommendation": "Use {{1}}, {{2}} in order, with words around each variable.",
        }
    return envelope(business, value, field="message_template_status_update")
