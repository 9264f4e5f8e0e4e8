"""One `Settings` object, read from the environment (prefix `SPORTELLO_`) and passed in everywhere."""

from __future__ import annotations

import ipaddress
import json
import secrets
from functools import cached_property
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sportello.private_files import write_private_file


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPORTELLO_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the SQLite file, media and secrets live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite in the data folder. "
        "PostgreSQL: postgresql+asyncpg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    app_base_url: str | None = Field(default=None, description="The APP origin (iframe pages).")
    api_base_url: str | None = Field(default=None, description="The API origin (REST API).")

    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs sessions and keys digests; generated into the data folder when unset.",
    )
    encryption_key: SecretStr | None = Field(
        default=None, description="Fernet key for WhatsApp secrets at rest; generated when unset."
    )

    operator_username: str | None = None
    operator_password: SecretStr | None = None

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Sportello <no-reply@sportello.local>"
    smtp_starttls: bool = False

    graph_api_base_url: str = "https://graph.facebook.com"
    # Where payment links send customers: PayPal's Payments Standard page (its sandbox for trials).
    paypal_checkout_url: str = "https://www.paypal.com/cgi-bin/webscr"
    graph_api_version: str = "v23.0"

    redis_url: str | None = None
    api_rate_per_minute: int = Field(default=600, ge=0, description="Requests a minute per API key; 0: no limit.")
    login_session_hours: int = 12
    token_ttl_seconds: int = Field(default=120, ge=5, le=3600, description="Life of a handshake token.")
    frame_session_hours: int = Field(default=12, ge=1, le=24 * 30, description="Life of an iframe's session.")
    mail_poll_seconds: float = 5.0
    webhook_verify_token: SecretStr | None = Field(
        default=None, description="What Meta sends as hub.verify_token when you register the webhook URL."
    )
    webhook_poll_seconds: float = 2.0
    send_rate_per_second: float = Field(default=80.0, gt=0, description="Per WhatsApp number (Meta's default).")
    send_claim_seconds: float = Field(default=30.0, gt=0, description="How long a sender holds a message it sends.")
    send_reconcile_seconds: float = Field(
        default=30.0, ge=0, description="How long to wait for Meta's word on a send a crash interrupted."
    )
    send_poll_seconds: float = 1.0
    send_retry_base_seconds: float = Field(
        default=1.0, gt=0, description="The first wait after Meta's rate error; it doubles with each attempt."
    )
    run_workers: bool = Field(default=True, description="Run the sender and processors in the web process.")
    cookie_secure: bool = False
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus sends to scrape /metrics on the public port; "
        "unset: /metrics there answers 404.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Also serve /metrics on this port of 127.0.0.1 only (for a scraper on the same host).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IPs or CIDRs of the reverse proxies whose X-Forwarded-For is believed "
        "(e.g. 127.0.0.1 behind nginx on the same machine). Empty: no proxy header counts.",
    )
    log_format: str = Field(default="json", pattern="^(json|text)$")
    log_level: str = "INFO"

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        _parse_networks(value)
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return _parse_networks(self.trusted_proxies)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'sportello.db').resolve()}"

    @property
    def public_app_url(self) -> str:
        return (self.app_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def public_api_url(self) -> str:
        return (self.api_base_url or self.public_app_url).rstrip("/")

    @cached_property
    def _generated_secrets(self) -> dict[str, str]:
        """Secrets that were not configured are generated once and kept in the data folder,
        so a restart keeps every session and every encrypted value readable."""
        path = self.data_dir / "secrets.json"
        if path.exists():
            stored: dict[str, str] = json.loads(path.read_text())
        else:
            stored = {}
        changed = False
        if "secret_key" not in stored:
            stored["secret_key"] = secrets.token_urlsafe(48)
            changed = True
        if "encryption_key" not in stored:
            stored["encryption_key"] = Fernet.generate_key().decode()
            changed = True
        if changed:
            write_private_file(self.data_dir, path.name, json.dumps(stored).encode())
        return stored

    @property
    def signing_key(self) -> bytes:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return self._generated_secrets["secret_key"].encode()

    @property
    def fernet_key(self) -> bytes:
        if self.encryption_key is not None:
            return self.encryption_key.get_secret_value().encode()
        return self._generated_secrets["encryption_key"].encode()


def _parse_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8"` as networks; a bad entry is an error at startup, not a silent hole."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())
