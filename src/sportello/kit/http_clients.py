"""HTTP clients for many requests on the way at once: several small connection pools, taken in
turn. An httpx pool looks at every connection it holds for each request it places (is it still
alive, is it free?), so one pool of 64 spent more time choosing a connection than sending; pools
of eight, one request each in turn, keep that cost small whatever the concurrency."""

from __future__ import annotations

import itertools

import httpx

CONNECTIONS_PER_CLIENT = 8


class ClientRing:
    """`connections` kept-alive connections in all, in pools of `CONNECTIONS_PER_CLIENT`."""

    def __init__(self, connections: int, *, timeout: httpx.Timeout | float) -> None:
        per_client = min(connections, CONNECTIONS_PER_CLIENT)
        limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
        count = max(1, -(-connections // per_client))
        # One TLS context for all: each client would otherwise load the CA bundle anew (tens of ms).
        tls = httpx.create_ssl_context()
        self.clients = [httpx.AsyncClient(timeout=timeout, limits=limits, verify=tls) for _ in range(count)]
        self._turns = itertools.cycle(self.clients)

    def next(self) -> httpx.AsyncClient:
        return next(self._turns)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
