"""What a stored webhook event does: one event spans contacts, chats, messages and templates.

An entry is applied only under a number whose app secret signed the body (a template update:
only for the accounts whose number of that WABA signed it), so one Meta app's secret cannot
write into another app's account. What is refused stays in the stored event, is noted in its
`error` and logged as a warning; the rest of the body is applied."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats import repository as chats_repo
from sportello.chats import service as chats_service
from sportello.chats.models import Chat
from sportello.contacts import repository as contacts_repo
from sportello.contacts import service as contacts_service
from sportello.contacts.models import Contact
from sportello.errors import InvalidInput
from sportello.integrations import service as integrations_service
from sportello.integrations.models import WhatsAppNumber
from sportello.kit.phones import to_e164
from sportello.messages import reactions
from sportello.messages import repository as messages_repo
from sportello.messages.models import Direction, Media, Message, MessageKind, SendStatus
from sportello.messages.statuses import next_status
from sportello.payments import repository as payments_repo
from sportello.realtime import service as live
from sportello.templates import repository as templates_repo
from sportello.templates.models import TemplateStatus
from sportello.webhooks.processor import BATCH_MEMO, ClaimedEvent, Deferred, EventFlows
from sportello.whatsapp.user_ids import is_bsuid
from sportello.whatsapp.webhook_payload import (
    Change,
    InboundMessage,
    StatusUpdate,
    TemplateStatusUpdate,
    UnknownChange,
    parse_webhook,
)

TEMPLATE_EVENTS = {
    "APPROVED": TemplateStatus.APPROVED,
    "REJECTED": TemplateStatus.REJECTED,
    "PENDING": TemplateStatus.PENDING,
    "PAUSED": TemplateStatus.PAUSED,
    "DISABLED": TemplateStatus.DISABLED,
    "REINSTATED": TemplateStatus.APPROVED,
    "UNPAUSED": TemplateStatus.APPROVED,
}


logger = logging.getLogger("sportello.webhooks")
_NUMBERS_KEY = "sportello.webhooks.numbers"


@dataclass
class _Signers:
    """Whose app secret signed an event, and what of it was refused for want of it."""

    number_ids: frozenset[int] | None  # None: stored before Sportello recorded signers
    refused: dict[str, int] = field(default_factory=dict)  # "phone_number_id 123" → changes

    def signed(self, number: WhatsAppNumber) -> bool:
        return self.number_ids is None or number.id in self.number_ids

    def refuse(self, name: str) -> None:
        self.refused[name] = self.refused.get(name, 0) + 1

    def note(self) -> str:
        if not self.refused:
            return ""
        names = ", ".join(
            f"{name} ({count} change{'' if count == 1 else 's'})" for name, count in sorted(self.refused.items())
        )
        return f"Not applied, not signed with the app secret of {names}."


async def prepare_batch(session: AsyncSession, events: Sequence[ClaimedEvent]) -> None:
    """What the batch's events would each look up, looked up for all of them at once: per number,
    the messages they name (to skip a redelivery, to find a status's message) in one query, the
    contacts who wrote in one, their chats in one. The events then find them in the batch memo."""
    parsed = _batch(session).parsed
    meta_ids: dict[str, set[str]] = defaultdict(set)
    phones: dict[str, set[str]] = defaultdict(set)
    user_ids: dict[str, set[str]] = defaultdict(set)
    for event in events:
        try:
            changes = parse_webhook(event.body)
        except InvalidInput:
            continue  # not a webhook we read: it fails again, alone, when applied
        parsed[event.id] = changes
        for change in changes:
            if isinstance(change, InboundMessage | StatusUpdate):
                meta_ids[change.phone_number_id].add(change.meta_id)
            if isinstance(change, InboundMessage):
                phone = _phone(change.from_wa_id)
                if phone:
                    phones[change.phone_number_id].add(phone)
                if change.user_id:
                    user_ids[change.phone_number_id].add(change.user_id)
    lookups = _memo(session)
    contact_ids: set[int] = set()
    # The chats of the messages that statuses name: a status's recipient is checked against its contact.
    status_chat_ids: set[int] = set()
    for phone_number_id, wanted in meta_ids.items():
        number = await _known_number(session, phone_number_id)
        if number is None:
            continue
        found = await messages_repo.by_meta_ids(session, whatsapp_number_id=number.id, meta_ids=wanted)
        for meta_id in wanted:
            lookups[("meta", number.id, meta_id)] = found.get(meta_id)
        status_chat_ids.update(m.chat_id for m in found.values() if m.direction is Direction.OUTBOUND)
        by_phone, by_user = await contacts_repo.by_identities(
            session, account_id=number.account_id, phones=phones[phone_number_id], user_ids=user_ids[phone_number_id]
        )
        for phone in phones[phone_number_id]:
            lookups[("by_phone", number.account_id, phone)] = by_phone.get(phone)
        for user_id in user_ids[phone_number_id]:
            lookups[("by_user", number.account_id, user_id)] = by_user.get(user_id)
        contact_ids.update(c.id for c in (*by_phone.values(), *by_user.values()))
    for contact_id, chat in (await chats_repo.of_contacts(session, sorted(contact_ids))).items():
        lookups[("chat", contact_id)] = chat
    if status_chat_ids:
        # Loaded into the session: `_learn_recipient` then finds them without a query.
        chats = await chats_repo.by_id(session, status_chat_ids)
        contacts = await contacts_repo.by_id(session, {chat.contact_id for chat in chats.values()} - contact_ids)
        _batch(session).held.extend([*chats.values(), *contacts.values()])


async def finish_batch(session: AsyncSession) -> None:
    """Writes what the batch's messages left pending: the messages, then each chat's last one."""
    await _flush(session)


async def apply_event(session: AsyncSession, event: ClaimedEvent) -> str:
    """Apply what the event's signers may change; returns the note of what was refused ("" when
    nothing was). Run by the processor between `prepare_batch` and `finish_batch`; what one event
    stores, the next one finds in the batch memo or, should it ask the database, flushed first."""
    signers = _Signers(None if event.signed_by is None else frozenset(event.signed_by))
    deferred: list[str] = []
    changes = _batch(session).parsed.pop(event.id, None)
    if changes is None:
        changes = parse_webhook(event.body)
    for change in changes:
        if isinstance(change, InboundMessage):
            await _inbound(session, change, signers)
        elif isinstance(change, StatusUpdate):
            if not await _status(session, change, signers):
                deferred.append(change.meta_id)
        elif isinstance(change, TemplateStatusUpdate):
            await _template_status(session, change, signers)
        elif isinstance(change, UnknownChange):
            continue  # kept in the raw event; nothing of ours to change
    note = signers.note()
    if note:
        # A forgery, or a number connected with the wrong app secret: either way the operator's to see.
        logger.warning(
            "webhook event %s: %s",
            event.id,
            note,
            extra={"event_id": event.id, "refused": sorted(signers.refused), "signed_by": event.signed_by},
        )
    if deferred:
        # The rest of the event is applied and committed only with it: everything in it is
        # idempotent, so applying it again later is harmless.
        raise Deferred(f"status for a message not stored yet: {', '.join(deferred[:3])}")
    # No flush here: the next event finds what this one stored in the memo, or flushes before it
    # asks the database (`_flush`); a message's sent, delivered and read arriving together leave
    # it as one UPDATE, and the batch's new messages are one INSERT.
    return note


FLOWS = EventFlows(apply=apply_event, prepare=prepare_batch, finish=finish_batch)


async def _known_number(session: AsyncSession, phone_number_id: str) -> WhatsAppNumber | None:
    # Looked up once per batch (the session is the batch's transaction), not once per entry.
    known: dict[str, WhatsAppNumber | None] = session.info.setdefault(_NUMBERS_KEY, {})
    if phone_number_id not in known:
        known[phone_number_id] = await integrations_service.find_number(session, phone_number_id=phone_number_id)
    return known[phone_number_id]


async def _number(session: AsyncSession, phone_number_id: str, signers: _Signers) -> WhatsAppNumber | None:
    """The number an entry names, when the body was signed with its app secret."""
    number = await _known_number(session, phone_number_id)
    if number is None:
        return None  # a number no account has (any more): nothing to file it under
    if not signers.signed(number):
        signers.refuse(f"phone_number_id {phone_number_id}")
        return None
    return number


def _phone(wa_id: str) -> str | None:
    """Meta's digits as E.164; None when absent (a username user) or not a phone at all."""
    if not wa_id:
        return None
    try:
        return to_e164(wa_id)
    except InvalidInput:
        return None


@dataclass
class _Batch:
    """What a batch keeps between its events, in the session's `info` under `BATCH_MEMO` (which
    the processor drops when an event is rolled back: what it holds may be gone with it)."""

    # event id → its changes, parsed once by `prepare_batch`
    parsed: dict[int, list[Change]] = field(default_factory=dict)
    # what was looked up or stored: ("meta", number id, Meta's id) → Message | None,
    # ("by_phone" | "by_user", account id, phone | BSUID) → Contact | None, ("chat", contact id)
    # → Chat, ("contact", …) → Contact
    lookups: dict[tuple[object, ...], object] = field(default_factory=dict)
    # chat id → (the chat, its newest message not yet flushed): its last message once it has an id
    last_messages: dict[int, tuple[Chat, Message]] = field(default_factory=dict)
    # Rows loaded ahead for `session.get`: the session's identity map holds them only weakly.
    held: list[object] = field(default_factory=list)


def _batch(session: AsyncSession) -> _Batch:
    batch = session.info.get(BATCH_MEMO)
    if not isinstance(batch, _Batch):
        batch = session.info[BATCH_MEMO] = _Batch()
    return batch


def _memo(session: AsyncSession) -> dict[tuple[object, ...], object]:
    """The contacts, chats and messages this batch resolved: a chat's next message in the same
    batch (the common case under load) costs no lookup. Forgotten whenever who is who changes (a
    merge, a new phone or BSUID), and by the processor when an event is rolled back."""
    return _batch(session).lookups


def _forget(session: AsyncSession) -> None:
    _batch(session).lookups.clear()


async def _flush(session: AsyncSession) -> None:
    """What the batch stored so far, written (the session does not flush by itself): before any
    query, so that it sees the events before it; then each chat's last message, now with its id."""
    await session.flush()
    pending = _batch(session).last_messages
    for chat, message in pending.values():
        chats_service.note_last_message(chat, message_id=message.id)
    pending.clear()


async def _message_by_meta(session: AsyncSession, *, number_id: int, meta_id: str) -> Message | None:
    key = ("meta", number_id, meta_id)
    lookups = _memo(session)
    if key not in lookups:
        await _flush(session)
        lookups[key] = await messages_repo.find_by_meta_id(session, whatsapp_number_id=number_id, meta_id=meta_id)
    return cast(Message | None, lookups[key])


async def _find_whatsapp_user(
    session: AsyncSession, *, account_id: int, phone: str | None, user_id: str
) -> tuple[Contact | None, Contact | None]:
    """`contacts_service.find_whatsapp_user`, answered from the batch memo when it knows both."""
    lookups = _memo(session)
    user_key, phone_key = ("by_user", account_id, user_id), ("by_phone", account_id, phone)
    if (not user_id or user_key in lookups) and (not phone or phone_key in lookups):
        by_user = cast(Contact | None, lookups.get(user_key)) if user_id else None
        by_phone = cast(Contact | None, lookups.get(phone_key)) if phone else None
        return by_user, by_phone
    await _flush(session)
    return await contacts_service.find_whatsapp_user(session, account_id=account_id, phone=phone, user_id=user_id)


def _remember_contact(session: AsyncSession, contact: Contact) -> None:
    lookups = _memo(session)
    if contact.phone:
        lookups[("by_phone", contact.account_id, contact.phone)] = contact
    if contact.whatsapp_user_id:
        lookups[("by_user", contact.account_id, contact.whatsapp_user_id)] = contact


async def _chat(session: AsyncSession, contact: Contact, number_id: int) -> Chat:
    key = ("chat", contact.id)
    chat = _memo(session).get(key)
    if isinstance(chat, Chat) and chat.whatsapp_number_id is not None:
        return chat
    await _flush(session)
    chat = await chats_service.ensure_chat(session, contact=contact, whatsapp_number_id=number_id)
    _memo(session)[key] = chat
    return chat


async def _merge(session: AsyncSession, *, keep: Contact, gone: Contact, number_id: int) -> None:
    """One person known twice (`gone` by phone, `keep` by BSUID): one contact, one chat."""
    await _flush(session)
    _forget(session)
    keep_chat = await chats_service.ensure_chat(session, contact=keep, whatsapp_number_id=number_id)
    gone_chat = await chats_service.ensure_chat(session, contact=gone, whatsapp_number_id=None)
    newest = await messages_repo.move_to_chat(session, from_chat_id=gone_chat.id, to_chat_id=keep_chat.id)
    await payments_repo.move_to_chat(session, from_chat_id=gone_chat.id, to_chat_id=keep_chat.id)
    chats_service.absorb(keep_chat, gone_chat, last_message_id=newest)
    logger.info("contact %s merged into %s: the same WhatsApp user", gone.id, keep.id)
    await contacts_service.absorb(session, keep=keep, gone=gone)


async def _contact(
    session: AsyncSession, number: WhatsAppNumber, *, phone: str | None, change: InboundMessage
) -> Contact:
    """The contact who wrote, by BSUID or phone; when a message names both and they were two
    contacts (known by phone before, by BSUID since), they become one."""
    key = ("contact", number.account_id, phone, change.user_id)
    known = _memo(session).get(key)
    if (
        isinstance(known, Contact)
        and (not phone or known.phone == phone)
        and (not change.user_id or known.whatsapp_user_id == change.user_id)
    ):
        # Resolved by an earlier event of this batch, and who is who has not changed since.
        contacts_service.learn_profile(
            known, profile_name=change.profile_name, parent_user_id=change.parent_user_id, username=change.username
        )
        return known
    found = await _find_whatsapp_user(session, account_id=number.account_id, phone=phone, user_id=change.user_id)
    by_user, by_phone = found
    merged = by_user is not None and by_phone is not None and by_user.id != by_phone.id
    if by_user is not None and by_phone is not None and merged:
        await _merge(session, keep=by_user, gone=by_phone, number_id=number.id)
    before = by_user or by_phone
    identity = (before.phone, before.whatsapp_user_id) if before is not None else None
    contact = await contacts_service.upsert_from_whatsapp(
        session,
        account_id=number.account_id,
        phone=phone,
        profile_name=change.profile_name,
        user_id=change.user_id,
        parent_user_id=change.parent_user_id,
        username=change.username,
        found=None if merged else found,
    )
    if identity is not None and identity != (contact.phone, contact.whatsapp_user_id):
        _forget(session)  # a phone or BSUID moved: what the batch remembered may name the wrong one
    _memo(session)[key] = contact
    _remember_contact(session, contact)
    return contact


def _shared_own_phone(change: InboundMessage) -> str | None:
    """The phone a username user shared when asked for it (a `REQUEST_CONTACT_INFO` button):
    Meta marks that answer `origin: contact_request` and puts the user's phone in the card
    (M-BSUID, "Requesting phone numbers from users"). Another person's card is not theirs."""
    if change.meta_type != "contacts" or change.raw.get("origin") != "contact_request":
        return None
    for person in change.contacts:
        for item in person.get("phones", []) if isinstance(person.get("phones"), list) else []:
            if isinstance(item, dict):
                phone = _phone(str(item.get("wa_id") or item.get("phone") or ""))
                if phone:
                    return phone
    return None


async def _number_changed(session: AsyncSession, contact: Contact, change: InboundMessage, number_id: int) -> Contact:
    """`user_changed_number`: the contact takes the new phone and the new BSUID (a new phone is a
    new BSUID, M-BSUID); a contact that already had either is the same person, merged in."""
    notice = change.system
    assert notice is not None
    new_phone, new_user_id = _phone(notice["new_wa_id"]), notice["new_user_id"]
    if new_user_id and not is_bsuid(new_user_id):
        new_user_id = ""
    await _flush(session)
    by_user, by_phone = await contacts_service.find_whatsapp_user(
        session, account_id=contact.account_id, phone=new_phone, user_id=new_user_id
    )
    for other in {c.id: c for c in (by_user, by_phone) if c is not None and c.id != contact.id}.values():
        await _merge(session, keep=contact, gone=other, number_id=number_id)
    await contacts_service.change_number(
        session, contact=contact, phone=new_phone, user_id=new_user_id, parent_user_id=notice["new_parent_user_id"]
    )
    _forget(session)
    return contact


async def _inbound(session: AsyncSession, change: InboundMessage, signers: _Signers) -> None:
    number = await _number(session, change.phone_number_id, signers)
    if number is None:
        return
    if await _message_by_meta(session, number_id=number.id, meta_id=change.meta_id):
        return  # redelivered
    phone = _phone(change.from_wa_id)
    if phone is None and not change.user_id:
        logger.warning("inbound message %s names no phone nor user id: kept in the event only", change.meta_id)
        return
    contact = await _contact(session, number, phone=phone, change=change)
    shared = _shared_own_phone(change)
    if shared and contact.phone is None:
        await _flush(session)
        _, by_phone = await contacts_service.find_whatsapp_user(
            session, account_id=number.account_id, phone=shared, user_id=""
        )
        if by_phone is not None and by_phone.id != contact.id:
            await _merge(session, keep=contact, gone=by_phone, number_id=number.id)
        contact.phone = shared
        _forget(session)
    # pywa reads `customer_changed_number` as the same notice (Meta's pages name it both ways).
    if change.system is not None and change.system["type"] in ("user_changed_number", "customer_changed_number"):
        contact = await _number_changed(session, contact, change, number.id)
    chat = await _chat(session, contact, number.id)
    content: dict[str, object] = {}
    if change.media is not None:
        content["media"] = {
            "kind": change.media.kind,
            "mime_type": change.media.mime_type,
            "filename": change.media.filename,
            "voice": change.media.voice,
        }
    if change.location is not None:
        content["location"] = change.location
    if change.contacts:
        content["contacts"] = change.contacts
    if change.interactive is not None:
        content["interactive"] = change.interactive
    if change.button is not None:
        content["button"] = change.button
    if change.reaction is not None:
        content["reaction"] = change.reaction
    if change.system is not None:
        content["system"] = change.system
    if change.referral is not None:
        content["referral"] = change.referral
    if change.content_type == "Unsupported":
        # What Meta says it could not deliver, for the sentence the chat shows in its place.
        content["unsupported"] = {"type": change.unsupported_type}
    if change.errors:
        content["errors"] = [
            {"code": e.code, "title": e.title, "message": e.message, "details": e.details, "href": e.href}
            for e in change.errors
        ]
    # Who wrote, as Meta named them with this message (the `Message` shape's user_id and username).
    if change.user_id:
        content["user_id"] = change.user_id
    if change.username:
        content["username"] = change.username
    if change.forwarded:
        content["forwarded"] = True
    if change.content_type == "Unsupported" or change.errors:
        content["raw"] = change.raw
    message = messages_repo.add(
        session,
        Message(
            uuid=uuid.uuid4().hex,
            account_id=number.account_id,
            chat_id=chat.id,
            whatsapp_number_id=number.id,
            direction=Direction.INBOUND,
            kind=MessageKind.MESSAGE,
            content_type=change.content_type,
            text=change.text,
            content=content,
            meta_id=change.meta_id,
            reply_to_meta_id=change.reply_to_meta_id or None,
            send_status=SendStatus.RECEIVED,
            sent_at=change.timestamp,
        ),
    )
    _memo(session)[("meta", number.id, change.meta_id)] = message
    # A removed reaction leaves nothing to show: the chat's last message stays what it was.
    shown_last = change.reaction is None or bool(change.reaction["emoji"])
    if change.media is not None or change.reaction is not None:
        await _flush(session)  # its media and its reaction's target need its id
    if change.media is not None:
        await messages_repo.insert_media(
            session,
            Media(
                uuid=uuid.uuid4().hex,
                account_id=number.account_id,
                message_id=message.id,
                meta_media_id=change.media.media_id,
                kind=change.media.kind,
                mime_type=change.media.mime_type,
                filename=change.media.filename,
                sha256=change.media.sha256,
            ),
        )
    if change.reaction is not None:
        await reactions.apply_customer_reaction(session, message)
    # A system notice is WhatsApp's, not the customer's: it opens no 24-hour window and is not
    # unread. The chat's last message is told once the message has its id: at the next flush.
    chats_service.note_received(
        session,
        chat,
        message_id=None,
        message_uuid=message.uuid,
        sent_at=change.timestamp,
        opens_window=change.content_type != "System",
        unread=change.content_type not in ("Reaction", "System"),
    )
    if shown_last:
        _batch(session).last_messages[chat.id] = (chat, message)


async def _status(session: AsyncSession, change: StatusUpdate, signers: _Signers) -> bool:
    """Apply a status; `False` when its message is not stored yet (the event waits)."""
    number = await _number(session, change.phone_number_id, signers)
    if number is None:
        return True  # nothing to wait for: no number of ours, or not its app's signature
    message = await _message_by_meta(session, number_id=number.id, meta_id=change.meta_id)
    if message is None and change.biz_opaque_callback_data:
        # Our own message uuid, echoed by Meta: how a send whose answer was lost (a crash
        # between Meta's 200 and our commit) is recognised instead of being sent again.
        await _flush(session)
        message = await messages_repo.find_outbound_by_uuid(
            session, whatsapp_number_id=number.id, uuid=change.biz_opaque_callback_data
        )
        if message is not None and message.meta_id is None:
            message.meta_id = change.meta_id
            _memo(session)[("meta", number.id, change.meta_id)] = message
    if message is None:
        return False
    if change.recipient_user_id and is_bsuid(change.recipient_user_id):
        await _learn_recipient(session, message, change.recipient_user_id, number.id)
    new = next_status(message.send_status, change.status)
    if new is None:
        return True
    message.send_status = new
    message.claimed_until = None
    await live.record_message(session, message)
    # A later tick never shows an earlier time than the one before it.
    sent_at = message.sent_at or change.timestamp
    if new is SendStatus.SENT:
        message.sent_at = sent_at
    elif new is SendStatus.DELIVERED:
        message.sent_at = sent_at
        message.delivered_at = max(change.timestamp, sent_at)
    elif new is SendStatus.READ:
        message.sent_at = sent_at
        message.delivered_at = message.delivered_at or max(change.timestamp, sent_at)
        message.read_at = max(change.timestamp, message.delivered_at)
    elif new is SendStatus.ERROR:
        error = change.errors[0] if change.errors else None
        message.error_code = error.code if error else None
        message.error_message = (error.details or error.message or error.title) if error else "Meta reported a failure."
    return True


async def _learn_recipient(session: AsyncSession, message: Message, user_id: str, number_id: int) -> None:
    """A status names the BSUID of whom a message reached (`recipient_user_id`, M-BSUID): the
    contact learns it, so the day that person writes by BSUID alone it is the same chat. Matching
    statuses needs no phone: they are found by Meta's message id."""
    if message.content.get("user_id") != user_id:
        message.content = {**message.content, "user_id": user_id}
    # Both in the session already when `prepare_batch` ran: no query, and so no flush needed.
    chat = await session.get(Chat, message.chat_id)
    contact = await session.get(Contact, chat.contact_id) if chat is not None else None
    if contact is None or contact.whatsapp_user_id == user_id:
        return
    await _flush(session)
    known, _ = await contacts_service.find_whatsapp_user(
        session, account_id=contact.account_id, phone=None, user_id=user_id
    )
    if known is not None:
        await _merge(session, keep=known, gone=contact, number_id=number_id)
    elif contact.whatsapp_user_id is None:
        contact.whatsapp_user_id = user_id
        _forget(session)


async def _template_status(session: AsyncSession, change: TemplateStatusUpdate, signers: _Signers) -> None:
    # The entry's id is the WABA: only the accounts whose number of that WABA signed the body.
    await _flush(session)
    numbers = await integrations_service.list_numbers_of_waba(session, waba_id=change.waba_id)
    account_ids = {number.account_id for number in numbers if signers.signed(number)}
    if numbers and not account_ids:
        signers.refuse(f"WABA {change.waba_id}")
        return
    status = TEMPLATE_EVENTS.get(change.event.upper())
    if not account_ids or status is None:
        return
    templates = await templates_repo.by_meta_id(session, meta_template_id=change.template_id, account_ids=account_ids)
    for template in templates:
        template.status = status
        if status is TemplateStatus.REJECTED:
            reason = change.rejection_info.get("reason") or change.reason
            recommendation = change.rejection_info.get("recommendation", "")
            template.rejection_reason = f"{reason}. {recommendation}".strip(". ") if recommendation else reason
            # `reason` is Meta's code (M-TPLWH); `rejection_info.reason` its sentence, when there is one.
            template.rejection_code = change.reason.strip().upper()[:64]
            template.rejection_recommendation = recommendation
        elif status is TemplateStatus.APPROVED:
            template.rejection_reason = template.rejection_code = template.rejection_recommendation = ""
        live.record_template(session, account_id=template.account_id, template_id=template.id)
