"""Web origins as integrators list them, and how a request's `Origin` is matched against them."""

from __future__ import annotations

from urllib.parse import urlsplit

from sportello.errors import InvalidInput

MAX_ORIGINS = 20
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """`https://Crm.Example.com:443/` → `https://crm.example.com`; `None` when not an origin."""
    value = value.strip()
    if not value or len(value) > 300:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def parse_allowed_origins(values: list[str]) -> list[str]:
    if len(values) > MAX_ORIGINS:
        raise InvalidInput(f"List at most {MAX_ORIGINS} origins.", field="allowed_origins")
    origins: list[str] = []
    for value in values:
        origin = normalise_origin(value)
        if origin is None:
            raise InvalidInput(
                f"'{value[:100]}' is not an origin: write it as https://host or https://host:port, with no path.",
                code="invalid_origin",
                field="allowed_origins",
            )
        if origin not in origins:
            origins.append(origin)
    return origins


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """An empty list allows any origin (the page warns about it); otherwise the origin must be listed."""
    if not allowed:
        return True
    normalised = normalise_origin(origin) if origin else None
    return normalised is not None and normalised in allowed
