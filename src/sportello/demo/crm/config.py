"""What the CRM's backend knows: where Sportello is, and the secrets it keeps to itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class CrmUser:
    """A Sportello service user the CRM can act for; the private key stays in the backend."""

    uid: str
    name: str
    role: str
    email: str
    private_key: str


@dataclass(frozen=True)
class CrmConfig:
    app_url: str
    api_url: str
    api_key: str
    users: list[CrmUser] = field(default_factory=list)

    @property
    def app_origin(self) -> str:
        """What `event.origin` is for messages from the iframe."""
        return _origin(self.app_url)

    @property
    def api_origin(self) -> str:
        return _origin(self.api_url)

    def find_user(self, uid: str) -> CrmUser | None:
        return next((user for user in self.users if user.uid == uid), None)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
