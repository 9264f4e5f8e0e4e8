"""How Meta's message statuses move a message forward, never back.

Webhooks arrive out of order and twice: `read` may come before `delivered` (Meta skips
`delivered` when both happen together), a late `sent` may follow `read`. A status applies only
when it is further along than the one stored."""

from __future__ import annotations

from sportello.messages.models import SendStatus

_RANK = {SendStatus.PENDING: 0, SendStatus.SENT: 1, SendStatus.DELIVERED: 2, SendStatus.READ: 3}
FROM_META = {
    "sent": SendStatus.SENT,
    "delivered": SendStatus.DELIVERED,
    "read": SendStatus.READ,
    "played": SendStatus.READ,
    "failed": SendStatus.ERROR,
}


def next_status(current: SendStatus, incoming: str) -> SendStatus | None:
    """The status to store, or `None` when `incoming` changes nothing.

    `failed` ends a message that has not been delivered. After `failed`, a `delivered` or
    `read` (a multi-device user whose other phone got it) is believed: it is what the person saw."""
    target = FROM_META.get(incoming)
    if target is None:
        return None
    if target is SendStatus.ERROR:
        return (
            SendStatus.ERROR
            if _RANK.get(current, 0) < _RANK[SendStatus.DELIVERED] and current is not SendStatus.ERROR
            else None
        )
    if current is SendStatus.ERROR:
        return target if target in (SendStatus.DELIVERED, SendStatus.READ) else None
    return target if _RANK[target] > _RANK.get(current, 0) else None
