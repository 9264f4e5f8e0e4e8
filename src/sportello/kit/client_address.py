"""The address a request comes from, as every per-address limit counts it.

`X-Forwarded-For` is believed only when the peer is one of `SPORTELLO_TRUSTED_PROXIES`: anyone
else could write any address there and spread their failures over made-up addresses. Behind
trusted proxies the header is read from the right (the entry the nearest proxy appended) and the
first address that is not itself a trusted proxy is the client."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


def resolve_client_address(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """`peer` is the TCP peer; `forwarded_for` every `X-Forwarded-For` header, in order."""
    if not peer:
        return "unknown"
    peer_address = _address(peer)
    if peer_address is None or not trusted or not _trusted(peer_address, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Garbage in the chain: what lies left of it cannot be vouched for.
            return peer
        if not _trusted(address, trusted):
            return str(address)
    return str(_address(hops[0])) if hops else peer
