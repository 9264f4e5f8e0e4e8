"""What Meta allows for read receipts and the typing indicator, each with its source."""

from __future__ import annotations

# "You can mark a message as read within 30 days of receipt" (M-READ:
# developers.facebook.com/docs/whatsapp/cloud-api/guides/mark-message-as-read/; shared/whatsapp-cloud-api.md §1).
READ_WITHIN_DAYS = 30
# "The typing indicator will be dismissed once you respond, or after 25 seconds, whichever comes
# first" (developers.facebook.com/docs/whatsapp/cloud-api/typing-indicators).
TYPING_SECONDS = 25
# An agent still typing asks again before Meta's 25 seconds run out, and not more often.
TYPING_EVERY_SECONDS = 20
