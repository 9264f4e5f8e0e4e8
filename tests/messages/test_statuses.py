"""A message's status only moves forward, whatever order Meta's webhooks arrive in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello.messages.models import SendStatus
from sportello.messages.statuses import next_status, send_status_for

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LADDER = [SendStatus.PENDING, SendStatus.SENT, SendStatus.DELIVERED, SendStatus.READ]


def _apply(current: SendStatus, incoming: str) -> SendStatus:
    return next_status(current, incoming) or current


def test_metas_words_map_to_our_send_status_names() -> None:
    assert {word: send_status_for(word) for word in ("sent", "delivered", "read", "played", "failed", "deleted")} == {
        "sent": SendStatus.SENT,
        "delivered": SendStatus.DELIVERED,
        "read": SendStatus.READ,
        "played": SendStatus.READ,
        "failed": SendStatus.ERROR,
        "deleted": None,
    }
    assert [s.value for s in (*LADDER, SendStatus.ERROR)] == ["Pending", "Sent", "Delivered", "Read", "Error"]


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        (SendStatus.PENDING, "sent", SendStatus.SENT),
        (SendStatus.SENT, "delivered", SendStatus.DELIVERED),
        (SendStatus.SENT, "read", SendStatus.READ),  # Meta skips delivered when both happen together
        (SendStatus.DELIVERED, "read", SendStatus.READ),
        (SendStatus.READ, "delivered", None),  # read never goes back
        (SendStatus.READ, "sent", None),  # a late sent changes nothing
        (SendStatus.DELIVERED, "delivered", None),  # a redelivered webhook changes nothing
        (SendStatus.PENDING, "failed", SendStatus.ERROR),
        (SendStatus.SENT, "failed", SendStatus.ERROR),
        (SendStatus.DELIVERED, "failed", None),  # it reached a phone
        (SendStatus.READ, "failed", None),
        (SendStatus.ERROR, "failed", None),
        (SendStatus.ERROR, "sent", None),
        (SendStatus.DELIVERED, "played", SendStatus.READ),
        (SendStatus.SENT, "deleted", None),
        (SendStatus.RECEIVED, "read", None),  # an inbound message is not ours to tick
    ],
)
def test_one_status_after_another(current: SendStatus, incoming: str, expected: SendStatus | None) -> None:
    assert next_status(current, incoming) is expected


def test_delivered_after_failed_keeps_the_error_unless_it_is_known_to_be_newer() -> None:
    assert next_status(SendStatus.ERROR, "delivered") is None
    assert next_status(SendStatus.ERROR, "read", current_at=T0) is None
    assert next_status(SendStatus.ERROR, "delivered", current_at=T0, incoming_at=T0) is None
    assert next_status(SendStatus.ERROR, "delivered", current_at=T0, incoming_at=T0 - timedelta(seconds=1)) is None
    later = T0 + timedelta(seconds=1)
    assert next_status(SendStatus.ERROR, "delivered", current_at=T0, incoming_at=later) is SendStatus.DELIVERED
    assert next_status(SendStatus.ERROR, "read", current_at=T0, incoming_at=later) is SendStatus.READ
    assert next_status(SendStatus.ERROR, "sent", current_at=T0, incoming_at=later) is None


@given(st.permutations(["sent", "delivered", "read"]), st.lists(st.sampled_from(["sent", "delivered", "read"])))
def test_any_order_and_any_duplicates_end_at_read(order: list[str], duplicates: list[str]) -> None:
    assert reduce(_apply, [*order, *duplicates], SendStatus.PENDING) is SendStatus.READ


@given(st.lists(st.sampled_from(["sent", "delivered", "read", "played", "failed", "deleted", ""]), max_size=12))
def test_the_ladder_never_goes_down(words: list[str]) -> None:
    status = SendStatus.PENDING
    for word in words:
        new = _apply(status, word)
        if status in LADDER and new in LADDER:
            assert LADDER.index(new) >= LADDER.index(status)
        if status is SendStatus.ERROR:
            assert new is SendStatus.ERROR  # without timestamps a failure stays
        status = new
