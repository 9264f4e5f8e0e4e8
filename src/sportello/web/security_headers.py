"""Security headers on every response. Pages that may be framed set their own
`frame-ancestors` (from the API key's allowed origins); everything else may not be framed, and
also gets a `Permissions-Policy` that turns off the powerful features no page of ours uses and
`Cross-Origin-Opener-Policy: same-origin`, so no other site's window keeps a handle on it. The
framed pages get neither: they live inside the host's page, whose own policies apply there."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BASE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)

# Sportello's pages use none of these; the clipboard (copy buttons) stays allowed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=()"
)


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    return f"{BASE_CSP}; frame-ancestors {frame_ancestors}"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", content_security_policy())
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if (
                    "Content-Security-Policy" in headers
                    and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
                ):
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
                    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)
