"""Every query of messages and media."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from sportello.chats.models import Chat
from sportello.contacts.models import Contact
from sportello.db.filters import in_any
from sportello.integrations.models import WhatsAppNumber
from sportello.kit import text_search
from sportello.kit.text_search import SearchTerm
from sportello.messages.models import Direction, Media, Message, SendStatus


async def insert(session: AsyncSession, message: Message) -> Message:
    session.add(message)
    await session.flush()
    return message


def add(session: AsyncSession, message: Message) -> Message:
    """Added, not yet written: the next flush writes it (with others of its batch, in one INSERT)."""
    session.add(message)
    return message


async def by_meta_ids(session: AsyncSession, *, whatsapp_number_id: int, meta_ids: Iterable[str]) -> dict[str, Message]:
    """A number's messages by Meta's id, in one query."""
    wanted = sorted(set(meta_ids))
    if not wanted:
        return {}
    found = await session.scalars(
        select(Message).where(Message.whatsapp_number_id == whatsapp_number_id, Message.meta_id.in_(wanted))
    )
    return {message.meta_id: message for message in found if message.meta_id is not None}


async def find_by_meta_id(session: AsyncSession, *, whatsapp_number_id: int, meta_id: str) -> Message | None:
    return await session.scalar(
        select(Message).where(Message.whatsapp_number_id == whatsapp_number_id, Message.meta_id == meta_id)
    )


async def find_outbound_by_uuid(session: AsyncSession, *, whatsapp_number_id: int, uuid: str) -> Message | None:
    return await session.scalar(
        select(Message).where(
            Message.whatsapp_number_id == whatsapp_number_id,
            Message.uuid == uuid,
            Message.direction == Direction.OUTBOUND,
        )
    )


async def insert_media(session: AsyncSession, media: Media) -> Media:
    session.add(media)
    await session.flush()
    return media


# The send queue, in SQLAlchemy Core: these run for every message sent, and rows are all they need.
_messages = cast(Table, Message.__table__)
_chats = cast(Table, Chat.__table__)
_contacts = cast(Table, Contact.__table__)
_numbers = cast(Table, WhatsAppNumber.__table__)


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbound message a sender holds, with what the call to Meta needs."""

    id: int
    uuid: str
    account_id: int
    chat_id: int
    text: str
    content: dict[str, Any]
    reply_to_meta_id: str | None
    attempts: int  # this attempt included
    chat_uuid: str
    contact_id: int
    phone: str | None
    whatsapp_user_id: str | None
    number_id: int | None  # None: the number is no longer connected
    phone_number_id: str
    access_token_sealed: str


@dataclass(frozen=True)
class SendRetry:
    id: int
    next_attempt_at: datetime
    error_code: int | None
    error_message: str
    answered: bool  # Meta answered, so it certainly does not have the message


def _due(now: datetime, *, started_before: datetime) -> list[ColumnElement[bool]]:
    """Pending messages that may go now, each the oldest pending one of its chat: a later
    message never overtakes one that waits for a retry (or is being sent). One whose last
    attempt ended without Meta's answer waits until `started_before` has passed its start,
    so the status webhook that names it can tell it was accepted."""
    m = _messages
    earlier = _messages.alias("earlier")
    return [
        m.c.send_status == SendStatus.PENDING,
        m.c.direction == Direction.OUTBOUND,
        or_(m.c.next_attempt_at.is_(None), m.c.next_attempt_at <= now),
        or_(m.c.claimed_until.is_(None), m.c.claimed_until < now),
        or_(m.c.attempt_started_at.is_(None), m.c.attempt_started_at <= started_before),
        ~exists().where(
            earlier.c.chat_id == m.c.chat_id,
            earlier.c.send_status == SendStatus.PENDING,
            earlier.c.direction == Direction.OUTBOUND,
            earlier.c.id < m.c.id,
        ),
    ]


async def claim_batch(
    session: AsyncSession, *, now: datetime, limit: int, hold: timedelta, started_before: datetime
) -> list[ClaimedMessage]:
    """Take up to `limit` due messages (oldest first) in one statement: held for `hold`, their
    attempt counted and started now. Rows another sender is claiming are skipped (PostgreSQL's
    `SKIP LOCKED`; SQLite has one writer at a time)."""
    m = _messages
    due = (
        select(m.c.id)
        .where(*_due(now, started_before=started_before))
        .order_by(m.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        m.update()
        .where(
            m.c.id.in_(due.scalar_subquery()),
            m.c.send_status == SendStatus.PENDING,
            or_(m.c.claimed_until.is_(None), m.c.claimed_until < now),
        )
        .values(claimed_until=now + hold, attempts=m.c.attempts + 1, attempt_started_at=now)
        .returning(m.c.id)
    )
    ids = sorted(claimed.scalars().all())
    if not ids:
        return []
    c, k, n = _chats, _contacts, _numbers
    rows = await session.execute(
        select(
            m.c.id,
            m.c.uuid,
            m.c.account_id,
            m.c.chat_id,
            m.c.text,
            m.c.content,
            m.c.reply_to_meta_id,
            m.c.attempts,
            c.c.uuid,
            c.c.contact_id,
            k.c.phone,
            k.c.whatsapp_user_id,
            n.c.id,
            n.c.phone_number_id,
            n.c.access_token_sealed,
        )
        .select_from(
            m.join(c, c.c.id == m.c.chat_id)
            .join(k, k.c.id == c.c.contact_id)
            .outerjoin(n, and_(n.c.id == m.c.whatsapp_number_id, n.c.account_id == m.c.account_id))
        )
        .where(m.c.id.in_(ids))
        .order_by(m.c.id)
    )
    return [
        ClaimedMessage(
            id=row[0],
            uuid=row[1],
            account_id=row[2],
            chat_id=row[3],
            text=row[4],
            content=row[5] or {},
            reply_to_meta_id=row[6],
            attempts=row[7],
            chat_uuid=row[8],
            contact_id=row[9],
            phone=row[10],
            whatsapp_user_id=row[11],
            number_id=row[12],
            phone_number_id=row[13] or "",
            access_token_sealed=row[14] or "",
        )
        for row in rows.all()
    ]


async def mark_sent_batch(session: AsyncSession, sent: Sequence[tuple[int, str]], *, now: datetime) -> None:
    """Meta accepted these (message id, Meta's id). A status webhook may have come first: the
    status it set stays, and so does the id it named."""
    if not sent:
        return
    m = _messages
    pending = m.c.send_status == SendStatus.PENDING
    await session.execute(
        m.update()
        .where(m.c.id == bindparam("b_id"))
        .values(
            meta_id=func.coalesce(m.c.meta_id, bindparam("b_wamid")),
            send_status=case((pending, literal(SendStatus.SENT, m.c.send_status.type)), else_=m.c.send_status),
            sent_at=case((pending, literal(now, m.c.sent_at.type)), else_=m.c.sent_at),
            attempt_started_at=None,
            claimed_until=None,
            error_code=None,
            error_message="",
        ),
        [{"b_id": message_id, "b_wamid": wamid} for message_id, wamid in sent],
    )


async def retry_later_batch(session: AsyncSession, retries: Sequence[SendRetry]) -> None:
    """Due again at their `next_attempt_at`; Meta's last word kept for the agent."""
    m = _messages
    for answered in (True, False):
        group = [r for r in retries if r.answered is answered]
        if not group:
            continue
        values: dict[str, Any] = {
            "claimed_until": None,
            "next_attempt_at": bindparam("b_due"),
            "error_code": bindparam("b_code"),
            "error_message": bindparam("b_text"),
        }
        if answered:
            values["attempt_started_at"] = None
        await session.execute(
            m.update().where(m.c.id == bindparam("b_id")).values(values),
            [
                {"b_id": r.id, "b_due": r.next_attempt_at, "b_code": r.error_code, "b_text": r.error_message}
                for r in group
            ],
        )


async def fail_batch(session: AsyncSession, failures: Sequence[tuple[int, int | None, str]]) -> None:
    """These end as `Error` (message id, Meta's code, the sentence for the agent)."""
    if not failures:
        return
    m = _messages
    await session.execute(
        m.update()
        .where(m.c.id == bindparam("b_id"))
        .values(
            send_status=SendStatus.ERROR,
            error_code=bindparam("b_code"),
            error_message=bindparam("b_text"),
            attempt_started_at=None,
            claimed_until=None,
        ),
        [{"b_id": message_id, "b_code": code, "b_text": text} for message_id, code, text in failures],
    )


async def set_media_id(session: AsyncSession, *, message_id: int, media: dict[str, Any]) -> dict[str, Any]:
    """The file was uploaded to Meta: its media id is kept, so a retry does not upload it again."""
    message = await session.get(Message, message_id)
    assert message is not None
    message.content = {**message.content, "media": media}
    return message.content


async def find_media(session: AsyncSession, *, uuid: str) -> Media | None:
    return await session.scalar(select(Media).where(Media.uuid == uuid))


async def find_by_uuid_in_chat(session: AsyncSession, *, chat_id: int, uuid: str) -> Message | None:
    return await session.scalar(select(Message).where(Message.chat_id == chat_id, Message.uuid == uuid))


async def history(
    session: AsyncSession, *, chat_id: int, before_id: int | None, limit: int, after_id: int | None = None
) -> tuple[int, Sequence[Message]]:
    """Newest first. Paging by id (not by offset) keeps pages stable while new messages arrive:
    `before_id` goes back in time, `after_id` forward (the `limit` messages just after it)."""
    total = int(await session.scalar(select(func.count()).select_from(Message).where(Message.chat_id == chat_id)) or 0)
    query = select(Message).where(Message.chat_id == chat_id)
    if after_id is not None:
        rows = await session.scalars(query.where(Message.id > after_id).order_by(Message.id).limit(limit))
        return total, list(reversed(rows.all()))
    if before_id is not None:
        query = query.where(Message.id < before_id)
    rows = await session.scalars(query.order_by(Message.id.desc()).limit(limit))
    return total, rows.all()


@dataclass(frozen=True)
class HistoryAround:
    """A page of a chat's history around one message, newest first, and whether there is more."""

    messages: list[Message]
    total: int
    has_newer: bool
    has_older: bool


async def around(session: AsyncSession, *, chat_id: int, message_id: int, older: int, newer: int) -> HistoryAround:
    """Up to `newer` messages after `message_id`, the message itself and up to `older` before it,
    newest first: the page that opens a chat at a message found by search."""
    query = select(Message).where(Message.chat_id == chat_id)
    after = (await session.scalars(query.where(Message.id > message_id).order_by(Message.id).limit(newer + 1))).all()
    before = (
        await session.scalars(query.where(Message.id <= message_id).order_by(Message.id.desc()).limit(older + 2))
    ).all()
    total = int(await session.scalar(select(func.count()).select_from(Message).where(Message.chat_id == chat_id)) or 0)
    return HistoryAround(
        messages=[*reversed(after[:newer]), *before[: older + 1]],
        total=total,
        has_newer=len(after) > newer,
        has_older=len(before) > older + 1,
    )


def text_matching(dialect: str, term: SearchTerm) -> ColumnElement[bool]:
    """Messages with a word starting with each word of the term (case-blind), through the
    dialect's index: SQLite's messages_fts, PostgreSQL's text-search index on the text. The
    caller bounds it by account or chat."""
    words = text_search.words_of(term.text)
    if not words:
        return false()
    if dialect == "sqlite":
        return Message.id.in_(text_search.fts5_rowids("messages_fts", text_search.fts5_prefixes(words)))
    return func.to_tsvector(literal_column("'simple'"), Message.text).op("@@")(
        func.to_tsquery(literal_column("'simple'"), text_search.tsquery_prefixes(words))
    )


def chats_with_text(dialect: str, *, account_id: int, term: SearchTerm) -> Select[int]:
    """The ids of the account's chats that have a message containing the term (a subquery)."""
    return select(Message.chat_id).where(Message.account_id == account_id, text_matching(dialect, term))


async def newest_matches(
    session: AsyncSession, *, account_id: int, chat_ids: Sequence[int], term: SearchTerm
) -> dict[int, Message]:
    """The newest message of each of these chats whose text contains the term."""
    if not chat_ids:
        return {}
    newest = (
        select(func.max(Message.id))
        .where(
            Message.account_id == account_id,
            Message.chat_id.in_(chat_ids),
            text_matching(text_search.dialect_of(session), term),
        )
        .group_by(Message.chat_id)
    )
    rows = await session.scalars(select(Message).where(Message.id.in_(newest)))
    return {message.chat_id: message for message in rows.all()}


async def search_in_chat(session: AsyncSession, *, chat_id: int, term: SearchTerm, limit: int) -> Sequence[Message]:
    """The chat's messages whose text contains the term, newest first."""
    query = select(Message).where(Message.chat_id == chat_id, text_matching(text_search.dialect_of(session), term))
    return (await session.scalars(query.order_by(Message.id.desc()).limit(limit))).all()


async def find_unsent_media(session: AsyncSession, *, account_id: int, uuid: str) -> Media | None:
    """An uploaded file of this account that no message has taken yet."""
    return await session.scalar(
        select(Media).where(Media.account_id == account_id, Media.uuid == uuid, Media.message_id.is_(None))
    )


async def attach_media(session: AsyncSession, *, uuid: str, message_id: int) -> None:
    await session.execute(update(Media).where(Media.uuid == uuid).values(message_id=message_id))


async def move_to_chat(session: AsyncSession, *, from_chat_id: int, to_chat_id: int) -> int | None:
    """Every message of one chat into another (the same customer known twice); returns the id
    of the newest message of the chat they joined."""
    await session.execute(update(Message).where(Message.chat_id == from_chat_id).values(chat_id=to_chat_id))
    await session.flush()
    newest: int | None = await session.scalar(select(func.max(Message.id)).where(Message.chat_id == to_chat_id))
    return newest


async def media_of(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, list[Media]]:
    """Each message's files, in the order they were stored."""
    if not message_ids:
        return {}
    found: dict[int, list[Media]] = {}
    for media in await session.scalars(select(Media).where(Media.message_id.in_(message_ids)).order_by(Media.id)):
        assert media.message_id is not None
        found.setdefault(media.message_id, []).append(media)
    return found


async def by_meta_id_in_chat(session: AsyncSession, *, chat_id: int, meta_ids: Iterable[str]) -> Sequence[Message]:
    """The chat's messages Meta knows by these ids (those a reply or a reaction answers)."""
    query = select(Message).where(Message.chat_id == chat_id, Message.meta_id.in_(set(meta_ids)))
    return (await session.scalars(query)).all()


async def by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Message]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {m.id: m for m in await session.scalars(select(Message).where(Message.id.in_(wanted)))}


async def changed(session: AsyncSession, *, ids: Iterable[int], uuids: Iterable[str]) -> list[Message]:
    """The messages a transaction changed, by id or uuid, read afresh over what the session holds."""
    chosen = in_any((Message.id, list(ids)), (Message.uuid, list(uuids)))
    if chosen is None:
        return []
    query = select(Message).where(chosen).order_by(Message.id).execution_options(populate_existing=True)
    return list(await session.scalars(query))


async def media_with_chat(session: AsyncSession, *, account_id: int, media_uuid: str) -> tuple[Media, Chat] | None:
    """An account's file and the chat whose message holds it."""
    row = (
        await session.execute(
            select(Media, Chat)
            .join(Message, Message.id == Media.message_id)
            .join(Chat, Chat.id == Message.chat_id)
            .where(Media.uuid == media_uuid, Media.account_id == account_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def sealed_tokens_of(session: AsyncSession, message_ids: Iterable[int]) -> dict[int, str]:
    """The sealed access token of the number each message came through, by message id."""
    wanted = set(message_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Message.id, WhatsAppNumber.access_token_sealed)
        .join(WhatsAppNumber, WhatsAppNumber.id == Message.whatsapp_number_id)
        .where(Message.id.in_(wanted))
    )
    return {message_id: sealed for message_id, sealed in rows.all()}
