"""Imports every table so that `metadata` is complete for migrations and tests."""

from sportello.accounts import models as _accounts  # noqa: F401
from sportello.chats import models as _chats  # noqa: F401
from sportello.contacts import models as _contacts  # noqa: F401
from sportello.credentials import models as _credentials  # noqa: F401
from sportello.db.base import Base
from sportello.integrations import models as _integrations  # noqa: F401
from sportello.mail import models as _mail  # noqa: F401
from sportello.messages import models as _messages  # noqa: F401
from sportello.operator_console import models as _operator_console  # noqa: F401
from sportello.payments import models as _payments  # noqa: F401
from sportello.quick_replies import models as _quick_replies  # noqa: F401
from sportello.read_receipts import models as _read_receipts  # noqa: F401
from sportello.realtime import models as _realtime  # noqa: F401
from sportello.templates import models as _templates  # noqa: F401
from sportello.webhooks import models as _webhooks  # noqa: F401

metadata = Base.metadata
