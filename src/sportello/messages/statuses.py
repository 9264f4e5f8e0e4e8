"""How Meta's message statuses move one of our messages forward, never back.

Webhooks arrive out of order and twice: `read` may come before `delivered` (Meta skips
`delivered` when both happen together), a late `sent` may follow `read`. The ladder is
`Pending < Sent < Delivered < Read`, and a status applies only when it is further along.
`Error` (Meta's `failed`) stands beside the ladder; see `next_status` for how it meets it."""

from __future__ import annotations

from datetime import datetime

from sportello.messages.models import SendStatus

_LADDER = {SendStatus.PENDING: 0, SendStatus.SENT: 1, SendStatus.DELIVERED: 2, SendStatus.READ: 3}
# Meta's status → our send_status. `played` is the first play of a voice note: it was heard,
# which is more than read, so it counts as read. Other words (e.g. `deleted`) change nothing.
FROM_META = {
    "sent": SendStatus.SENT,
    "delivered": SendStatus.DELIVERED,
    "read": SendStatus.READ,
    "played": SendStatus.READ,
    "failed": SendStatus.ERROR,
}


def send_status_for(meta_status: str) -> SendStatus | None:
    """Our name for Meta's status word; `None` for a word we do not act on."""
    return FROM_META.get(meta_status)


def next_status(
    current: SendStatus,
    incoming: str,
    *,
    current_at: datetime | None = None,
    incoming_at: datetime | None = None,
) -> SendStatus | None:
    """The status to store after Meta's `incoming` word, or `None` when it changes nothing.

    - Forward only on the ladder: `read` never goes back to `delivered`; a late `sent` after
      `read` changes nothing; the same status twice changes nothing.
    - `failed` applies to a message not yet delivered (Pending or Sent): the caller keeps
      Meta's code from the status' errors. After `delivered` or `read` it is ignored: the
      message reached a phone, and the person may have seen it.
    - `delivered` or `read` after `failed`: with multi-device users Meta can report a failure
      for one device and then a delivery to another. We keep `Error` unless the delivery is
      known to be newer than the failure (`incoming_at > current_at`, both given): a late,
      older delivery must not hide a failure the agent has to act on, and without timestamps
      we cannot tell which came last, so the failure (the safer news) stays.
    - A message that is not ours to track (inbound, `Received`) never changes.
    """
    target = FROM_META.get(incoming)
    if target is None or (current not in _LADDER and current is not SendStatus.ERROR):
        return None
    if current is SendStatus.ERROR:
        newer = current_at is not None and incoming_at is not None and incoming_at > current_at
        return target if target in (SendStatus.DELIVERED, SendStatus.READ) and newer else None
    if target is SendStatus.ERROR:
        return SendStatus.ERROR if _LADDER[current] < _LADDER[SendStatus.DELIVERED] else None
    return target if _LADDER[target] > _LADDER[current] else None
