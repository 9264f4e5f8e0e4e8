"""The guide's steps 1 and 2 over real HTTP: request a key → the operator approves it with the
CLI → the requester gets an email (real SMTP) → service user and private key → token → frame
session. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conftest import make_tenant, sign_in
from sportello.settings import Settings
from support.smtp import Inbox

MOTIVATION = "I want to embed the chat in the contact page of my CRM."


async def run_cli(settings: Settings, *args: str) -> tuple[int, str]:
    """The operator's command, run as the operator runs it: `sportello …` in its own process."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")},
        "SPORTELLO_DATA_DIR": str(settings.data_dir),
        "SPORTELLO_DATABASE_URL": settings.resolved_database_url,
        "SPORTELLO_SMTP_HOST": str(settings.smtp_host),
        "SPORTELLO_SMTP_PORT": str(settings.smtp_port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sportello",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


async def operator(settings: Settings, *args: str) -> Any:
    code, output = await run_cli(settings, "operator", "api-keys", *args, "--json")
    assert code == 0, output
    return json.loads(output)


@pytest.fixture
async def owner(live_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[httpx.AsyncClient]:
    tenant = await make_tenant(sessionmaker, "Acme")
    async with httpx.AsyncClient(base_url=live_url) as client:
        await sign_in(client, tenant.owner.email)
        yield client


async def _service_user_with_key(owner: httpx.AsyncClient, name: str = "CRM") -> dict[str, str]:
    user = (await owner.post("/web/api/service-users/", json={"name": name, "role": "Chat Manager"})).json()
    assert user["user_type"] == "service"
    key = await owner.post(f"/web/api/users/{user['id']}/private-key/")
    assert key.status_code == 200, key.text
    return dict(key.json())


async def _handshake(url: str, api_key: str, email: str, private_key: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as integrator:
        return await integrator.post(
            "/api/1/auth/get_authentication_token/",
            headers={"X-Spoki-Api-Key": api_key},
            json={"email": email, "private_key": private_key},
        )


async def _exchange(url: str, token: str, uid: str, **toggles: object) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as frame:
        return await frame.post("/api/1/auth/exchange/", json={"token": token, "uid": uid, **toggles})


async def _frame(url: str, session: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as frame:
        return await frame.get("/api/1/auth/frame_session/", headers={"Authorization": f"Bearer {session}"})


async def test_request_approve_email_and_handshake(
    live_url: str,
    owner: httpx.AsyncClient,
    settings: Settings,
    inbox: tuple[Inbox, int],
) -> None:
    requested = await owner.post("/web/api/api-keys/", json={"motivation": MOTIVATION, "allowed_origins": []})
    assert requested.status_code == 201, requested.text
    key = requested.json()
    assert key["status"] == "pending" and key["api_key"].startswith(key["prefix"])
    listed = (await owner.get("/web/api/api-keys/")).json()
    assert "api_key" not in listed[0], "the key is shown once, at creation"

    credentials = await _service_user_with_key(owner)
    pending = await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])
    assert pending.status_code == 403 and pending.json()["code"] == "api_key_not_approved"

    pending_list = await operator(settings, "list", "--status", "pending")
    assert [k["id"] for k in pending_list] == [key["id"]]
    approved = await operator(settings, "approve", str(key["id"]))
    assert approved["status"] == "approved"

    messages = inbox[0].wait_for(1)
    assert messages[0]["To"] == "owner@acme.example.com"
    assert key["prefix"] in messages[0]["Subject"] and "approved" in messages[0]["Subject"]

    answer = await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"token", "uid"} and answer.json()["uid"] == credentials["uid"]

    opened = await _exchange(
        live_url, answer.json()["token"], answer.json()["uid"], language="it", can_reply_in_chat=False
    )
    assert opened.status_code == 200, opened.text
    frame = opened.json()
    assert frame["user"]["email"] == credentials["email"] and frame["language"] == "it"
    assert frame["permissions"] == {
        "can_view_chat_list": True,
        "can_reply_in_chat": False,
        "can_send_paypal_in_chat": True,
    }
    assert (await _frame(live_url, frame["session"])).json()["permissions"]["can_reply_in_chat"] is False

    reused = await _exchange(live_url, answer.json()["token"], answer.json()["uid"])
    assert reused.status_code == 401 and reused.json()["code"] == "session_expired"
    # Exactly one email, though the server's sender and the CLI both looked at the outbox.
    assert len(inbox[0].wait_for(1)) == 1


async def test_new_private_key_kills_old_tokens_and_sessions(
    live_url: str, owner: httpx.AsyncClient, settings: Settings
) -> None:
    key = (await owner.post("/web/api/api-keys/", json={"motivation": MOTIVATION})).json()
    await operator(settings, "approve", str(key["id"]))
    credentials = await _service_user_with_key(owner)
    first = (await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])).json()
    unused = (await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])).json()
    session = (await _exchange(live_url, first["token"], first["uid"])).json()["session"]
    assert (await _frame(live_url, session)).status_code == 200

    rotated = await owner.post(f"/web/api/users/{credentials['uid']}/private-key/")
    assert rotated.json()["private_key"] != credentials["private_key"]

    assert (await _frame(live_url, session)).json()["code"] == "session_expired"
    assert (await _exchange(live_url, unused["token"], unused["uid"])).json()["code"] == "session_expired"
    old_key = await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])
    assert old_key.status_code == 401 and old_key.json()["code"] == "invalid_credentials"
    new_key = await _handshake(live_url, key["api_key"], credentials["email"], rotated.json()["private_key"])
    assert new_key.status_code == 200


async def test_rejected_key_is_refused_and_the_reason_is_emailed(
    live_url: str,
    owner: httpx.AsyncClient,
    settings: Settings,
    inbox: tuple[Inbox, int],
) -> None:
    key = (await owner.post("/web/api/api-keys/", json={"motivation": MOTIVATION})).json()
    rejected = await operator(settings, "reject", str(key["id"]), "--reason", "Tell us which CRM you use.")
    assert rejected["status"] == "rejected"
    message = inbox[0].wait_for(1)[0]
    assert "Tell us which CRM you use." in message.get_content()
    credentials = await _service_user_with_key(owner)
    answer = await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])
    assert answer.status_code == 403 and answer.json()["code"] == "api_key_not_approved"
    code, output = await run_cli(settings, "operator", "api-keys", "approve", str(key["id"]), "--json")
    assert code == 1 and json.loads(output)["code"] == "api_key_not_pending"


async def test_revoked_key_is_refused_and_its_frames_end(
    live_url: str, owner: httpx.AsyncClient, settings: Settings
) -> None:
    key = (await owner.post("/web/api/api-keys/", json={"motivation": MOTIVATION})).json()
    await operator(settings, "approve", str(key["id"]))
    credentials = await _service_user_with_key(owner)
    token = (await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])).json()
    session = (await _exchange(live_url, token["token"], token["uid"])).json()["session"]

    revoked = await owner.post(f"/web/api/api-keys/{key['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    answer = await _handshake(live_url, key["api_key"], credentials["email"], credentials["private_key"])
    assert answer.status_code == 403 and answer.json()["code"] == "api_key_revoked"
    assert (await _frame(live_url, session)).json()["code"] == "session_expired"


async def test_unknown_email_and_wrong_private_key_answer_alike(
    live_url: str, owner: httpx.AsyncClient, settings: Settings
) -> None:
    key = (await owner.post("/web/api/api-keys/", json={"motivation": MOTIVATION})).json()
    await operator(settings, "approve", str(key["id"]))
    credentials = await _service_user_with_key(owner)
    wrong_key = await _handshake(live_url, key["api_key"], credentials["email"], "sppk_wrong")
    unknown = await _handshake(live_url, key["api_key"], "nobody@acme.example.com", credentials["private_key"])
    assert wrong_key.status_code == unknown.status_code == 401
    assert (
        wrong_key.json()
        == unknown.json()
        == {"detail": "The email or the private key is not right.", "code": "invalid_credentials"}
    )
    no_key = await _handshake(live_url, "spk_unknown", credentials["email"], credentials["private_key"])
    assert no_key.status_code == 401 and no_key.json()["code"] == "invalid_api_key"
