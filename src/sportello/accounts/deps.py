"""Who may call: the signed-in user of the full web app (session cookie + CSRF header)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from sportello.accounts import service
from sportello.accounts.actor import Actor
from sportello.accounts.models import LoginSession, User
from sportello.errors import Forbidden, Unauthorized
from sportello.kit.deps import AppSettings, DbSession
from sportello.kit.schemas import MAX_ID

SESSION_COOKIE = "sportello_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class SignedIn:
    user: User
    login: LoginSession

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user)


async def find_signed_in(request: Request, session: DbSession, settings: AppSettings) -> SignedIn | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    found = await service.find_login_session(session, token=token, signing_key=settings.signing_key)
    return SignedIn(user=found[1], login=found[0]) if found else None


async def _require_signed_in(
    request: Request, signed_in: Annotated[SignedIn | None, Depends(find_signed_in)]
) -> SignedIn:
    if signed_in is None:
        raise Unauthorized("Your session has ended. Sign in again.", code="not_authenticated")
    check_csrf(request, signed_in)
    return signed_in


def check_csrf(request: Request, signed_in: SignedIn) -> None:
    if request.method not in SAFE_METHODS:
        # SameSite=Lax already keeps other sites' forms out; the header also stops
        # same-site pages and old browsers from acting with the cookie.
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), signed_in.login.csrf_token.encode()):
            raise Forbidden("The security token of this page is missing or old. Reload the page.", code="csrf_failed")


MaybeSignedIn = Annotated[SignedIn | None, Depends(find_signed_in)]
SignedInUser = Annotated[SignedIn, Depends(_require_signed_in)]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id.")]
