"""What a transaction changed, told to live listeners as the change itself.

The one function that changes a chat, a message, a template or a payment request calls a
`record_*` here. That only notes the change (no query): the last step of the transaction
(`conversations.live_publisher`) renders every noted change once in its public shape, numbers the events
of each account and stores them beside the change, so an event exists exactly when its change
does; after the commit the bus hands them to every listening page. A listener that was away asks
for what it missed by number (`events_after`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_session

from sportello.accounts.actor import Actor
from sportello.db.unit_of_work import TX_PREFIX, before_commit_once, transaction_info
from sportello.realtime import repository as repo
from sportello.realtime.bus import PUBLISHER_KEY
from sportello.realtime.kinds import removed_body
from sportello.realtime.models import LiveEvent

KEEP_FOR = timedelta(days=2)
_CHANGES = "live.changes"
_UNREAD_BEFORE = "live.unread_before"


class ChangedChat(Protocol):
    """What noting a chat's change reads of it: this package knows no domain model."""

    @property
    def id(self) -> int: ...
    @property
    def account_id(self) -> int: ...
    @property
    def unread_count(self) -> int: ...


class ChangedMessage(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def account_id(self) -> int: ...


@dataclass
class Changes:
    """One transaction's changes, by account, in the order they were noted."""

    # chat id → account id; a chat whose own shape changed (a new message, unread, assignment).
    chats: dict[int, int] = field(default_factory=dict)
    # chat id → its unread count when first noted (the listener below keeps the truer one).
    unread_noted: dict[int, int] = field(default_factory=dict)
    # chat id → user ids who lost it (assignment): they hear `chat_removed`.
    lost: dict[int, set[int]] = field(default_factory=dict)
    # (account id, message id or uuid)
    messages: dict[int, int] = field(default_factory=dict)
    message_uuids: dict[str, int] = field(default_factory=dict)
    templates: dict[int, int] = field(default_factory=dict)
    payments: dict[int, int] = field(default_factory=dict)
    # accounts where many chats changed at once
    bulk: list[int] = field(default_factory=list)

    def accounts(self) -> set[int]:
        found = set(self.chats.values()) | set(self.messages.values()) | set(self.message_uuids.values())
        return found | set(self.templates.values()) | set(self.payments.values()) | set(self.bulk)


def _changes(session: AsyncSession) -> Changes:
    changes = transaction_info(session, _CHANGES, Changes)
    publisher: Any = session.info.get(PUBLISHER_KEY)
    # A session without one (a one-off CLI command) tells nobody: no page listens to it.
    if publisher is not None:
        before_commit_once(session, "live", publisher.stage)
    return changes


def noted_changes(session: AsyncSession) -> tuple[Changes | None, dict[int, int]]:
    """The publisher's reading of what this transaction noted, and the chats' unread counts as
    they were before it changed them."""
    changes: Changes | None = session.info.get(TX_PREFIX + _CHANGES)
    before: dict[int, int] = session.info.get(TX_PREFIX + _UNREAD_BEFORE, {})
    return changes, before


def remember_unread_before(target: ChangedChat, old: Any) -> None:
    """Called as a chat's unread count is set (`chats.models` listens): the count before the
    transaction's first change of it. Whether a chat became unread (or read) is told with its
    event, so pages keep their unread count without asking."""
    session = object_session(target)
    if session is None or target.id is None:
        return
    before: dict[int, int] = session.info.setdefault(TX_PREFIX + _UNREAD_BEFORE, {})
    before.setdefault(target.id, old if isinstance(old, int) else 0)


def record(
    session: AsyncSession,
    *,
    account_id: int,
    kind: str,
    chat: ChangedChat | None = None,
    ref: str = "",
) -> None:
    """A change by kind: `message` (with the message's uuid as `ref`), `chat`, `chats` (many at
    once), `template` (its id as `ref`)."""
    if kind == "message" and ref:
        _changes(session).message_uuids.setdefault(ref, account_id)
    elif kind == "template" and ref.isdigit():
        _changes(session).templates.setdefault(int(ref), account_id)
    elif kind == "chat" and chat is not None:
        record_chat(session, chat)
    else:
        _changes(session).bulk.append(account_id)


def record_chat(session: AsyncSession, chat: ChangedChat, *, kind: str = "chat", ref: str = "") -> None:
    """The chat changed; with `kind="message"` and a message uuid as `ref`, because of that
    message (a new one): both are told."""
    changes = _changes(session)
    changes.chats.setdefault(chat.id, chat.account_id)
    changes.unread_noted.setdefault(chat.id, chat.unread_count or 0)
    if kind == "message" and ref:
        changes.message_uuids.setdefault(ref, chat.account_id)


def record_assignment(session: AsyncSession, chat: ChangedChat, *, lost_by: Iterable[int] = ()) -> None:
    """The chat changed hands. Told with its chat, so only those who may see it now hear of it;
    a Chat Operator who just lost it hears `chat_removed` and never more of it."""
    record_chat(session, chat)
    _changes(session).lost.setdefault(chat.id, set()).update(lost_by)


async def record_message(session: AsyncSession, message: ChangedMessage) -> None:
    """A message was stored or changed (a status tick, a failure, a reaction, its media)."""
    _changes(session).messages.setdefault(message.id, message.account_id)


def record_template(session: AsyncSession, *, account_id: int, template_id: int) -> None:
    _changes(session).templates.setdefault(template_id, account_id)


def record_payment(session: AsyncSession, *, account_id: int, request_id: int) -> None:
    """A payment request changed (opened by the customer)."""
    _changes(session).payments.setdefault(request_id, account_id)


@dataclass(frozen=True)
class Audience:
    """Who listens, and so which events they hear: what the REST reads would show them. A Chat
    Operator hears of the chats assigned to them; a frame whose page is one chat (no chat list)
    of that chat only (`only_chat_uuid`; "" for none). Events that name no chat reach everyone."""

    actor: Actor
    only_chat_uuid: str | None = None
    operator_only: bool = False

    def body_of(self, *, chat_uuid: str, operators: str, lost_by: str, body: str, removed: str) -> str | None:
        """What this listener is sent of one event: its body, `removed` (the chat left their
        view), or nothing."""
        if not chat_uuid:
            return body
        if self.only_chat_uuid is not None and chat_uuid != self.only_chat_uuid:
            return None
        if self.operator_only:
            mark = f",{self.actor.user_id},"
            if mark in operators:
                return body
            return removed if mark in lost_by else None
        return body


async def events_after(
    session: AsyncSession, *, audience: Audience, after: int, limit: int = 1000
) -> tuple[list[str], int]:
    """The bodies of the events after number `after` this audience may hear, in order, and the
    number of the last event read (seen or not)."""
    rows = await repo.after(session, account_id=audience.actor.account_id, after=after, limit=limit)
    bodies: list[str] = []
    last = after
    for row in rows:
        last = row.seq
        body = audience.body_of(
            chat_uuid=row.chat_uuid,
            operators=row.operators,
            lost_by=row.lost_by,
            body=row.body,
            removed=removed_body(row.seq, row.chat_uuid),
        )
        if body is not None:
            bodies.append(body)
    return bodies, last


async def newest(session: AsyncSession, *, account_id: int) -> int:
    """The number of the account's last committed event (0 for none): read before a count, it
    says which events the count already holds."""
    return await repo.newest(session, account_id=account_id)


async def bounds(session: AsyncSession, *, account_id: int) -> tuple[int, int]:
    return await repo.bounds(session, account_id=account_id)


async def prune(session: AsyncSession, *, now: datetime | None = None) -> int:
    return await repo.delete_older_than(session, when=(now or datetime.now(UTC)) - KEEP_FOR)


def ids_text(ids: Iterable[int]) -> str:
    """User ids as stored for the in-memory check: ",3,7," (or "" for none)."""
    ordered = sorted(ids)
    return f",{','.join(str(i) for i in ordered)}," if ordered else ""


__all__ = ["Audience", "Changes", "LiveEvent"]
