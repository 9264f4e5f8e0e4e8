"""An email is one sign-in identity on the whole installation: adding a user whose email is taken
answers 409 `email_taken`, and the answer is the same whichever account holds it, so it tells an
Owner only "this email is already in use", never which account, user or name has it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import PASSWORD, make_tenant, make_user, sign_in
from sportello.accounts import service as accounts_service
from sportello.accounts.models import Role
from sportello.db.unit_of_work import unit_of_work


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def _new_user(email: str) -> dict[str, str]:
    return {"email": email, "name": "New colleague", "role": "Chat Operator", "password": PASSWORD}


async def test_an_email_in_use_anywhere_answers_the_same_409_naming_no_account(
    app_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    acme = await make_tenant(sessionmaker, "Acme")
    other = await make_tenant(sessionmaker, "Othershop")
    giulia = await make_user(sessionmaker, other, Role.CHAT_OPERATOR, "giulia.secret@othershop.example.com")
    await make_user(sessionmaker, acme, Role.CHAT_OPERATOR, "luca@acme.example.com")
    await sign_in(app_client, acme.owner.email)

    elsewhere = await app_client.post("/web/api/users/", json=_new_user("giulia.secret@OTHERSHOP.example.com"))
    at_home = await app_client.post("/web/api/users/", json=_new_user("luca@acme.example.com"))
    for answer in (elsewhere, at_home):
        assert answer.status_code == 409
        assert answer.json() == {"detail": "A user with this email already exists.", "code": "email_taken"}
    # Nothing in the answer points at the other account.
    for clue in ("Othershop", "othershop", str(other.account_id), "giulia"):
        assert clue not in elsewhere.text
    # And the user was not added to Acme under that email.
    listed = (await app_client.get("/web/api/users/")).json()
    emails = [user["email"] for user in (listed["results"] if isinstance(listed, dict) else listed)]
    assert "giulia.secret@othershop.example.com" not in emails

    # Once the other account removes her, the address is free for Acme.
    async with unit_of_work(sessionmaker) as session:
        await accounts_service.remove_user(session, actor=other.owner_actor, user_id=giulia.id)
    moved = await app_client.post("/web/api/users/", json=_new_user("giulia.secret@othershop.example.com"))
    assert moved.status_code == 201
