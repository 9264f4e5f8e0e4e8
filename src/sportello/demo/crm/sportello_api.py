"""The CRM backend's calls to Sportello, server to server: the handshake and the Contacts API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sportello.demo.crm.config import CrmConfig, CrmUser

HANDSHAKE_PATH = "/api/1/auth/get_authentication_token/"
CONTACTS_PATH = "/api/1/contacts/"


class SportelloRefused(Exception):
    """Sportello said no (or could not be reached); carries what the browser is told."""

    def __init__(self, status_code: int, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.code = code


@dataclass(frozen=True)
class Customer:
    name: str
    phone: str
    chat_uuid: str


@dataclass(frozen=True)
class Customers:
    count: int
    customers: list[Customer]


class SportelloApi:
    def __init__(self, config: CrmConfig, client: httpx.AsyncClient) -> None:
        self._config = config
        self._client = client

    async def mint_token(self, user: CrmUser, *, ceiling: dict[str, bool] | None = None) -> dict[str, str]:
        """The guide's handshake, but from here: the private key never reaches a browser, and the
        toggles this user may have are bound to the token (the address can only narrow them)."""
        body = await self._call(
            "POST",
            HANDSHAKE_PATH,
            json={"email": user.email, "private_key": user.private_key, **(ceiling or {})},
        )
        return {"token": str(body["token"]), "uid": str(body["uid"])}

    async def list_customers(self) -> Customers:
        """The first hundred contacts: enough for a demo, and one call."""
        body = await self._call("GET", CONTACTS_PATH, params={"page_size": 100})
        return Customers(
            count=int(body["count"]),
            customers=[
                Customer(
                    name=" ".join(part for part in (c["first_name"], c["last_name"]) if part) or c["phone"],
                    phone=c["phone"],
                    chat_uuid=c["chat_uuid"],
                )
                for c in body["results"]
            ],
        )

    async def _call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        url = f"{self._config.api_url}{path}"
        try:
            response = await self._client.request(
                method, url, headers={"X-Spoki-Api-Key": self._config.api_key}, **options
            )
        except httpx.HTTPError as exc:
            raise SportelloRefused(
                502, f"Sportello cannot be reached at {self._config.api_url}: {exc}", "sportello_unreachable"
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        if isinstance(body, dict) and response.status_code < 500:
            # Sportello's own sentence and code: the page shows the sentence and may branch on the code.
            raise SportelloRefused(
                response.status_code, str(body.get("detail", "")), str(body.get("code", "sportello_error"))
            )
        raise SportelloRefused(502, f"Sportello answered {response.status_code} to {method} {path}.", "sportello_error")
