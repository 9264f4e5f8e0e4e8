"""The two ways a page is signed in, over real HTTP: a frame session (handshake, then exchange,
as the embedded page does) and a person signed in with the login form (cookie + CSRF header)."""

from __future__ import annotations

import re

import httpx

from support.seeding import Integration

PASSWORD = "correct-horse-battery"
_CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


def frame_secret(base_url: str, who: Integration, **fields: object) -> str:
    """A frame session's secret, opened as the embedded page opens it (`fields`: the exchange's
    toggles, page and chat)."""
    token = httpx.post(
        f"{base_url}/api/1/auth/get_authentication_token/",
        headers={"X-Spoki-Api-Key": who.api_key},
        json={"email": who.email, "private_key": who.private_key},
    )
    assert token.status_code == 200, token.text
    opened = httpx.post(
        f"{base_url}/api/1/auth/exchange/",
        json={"token": token.json()["token"], "uid": token.json()["uid"], **fields},
    )
    assert opened.status_code == 200, opened.text
    assert len(opened.json()["frame_id"]) == 32, "the frame's public name for its address"
    return str(opened.json()["session"])


def open_frame(base_url: str, who: Integration, **fields: object) -> httpx.Client:
    """A client holding a frame session's bearer header; close it when done."""
    secret = frame_secret(base_url, who, **fields)
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {secret}"})


def sign_in_person(base_url: str, email: str, password: str = PASSWORD, *, csrf: bool = True) -> httpx.Client:
    """A client signed in through the login form, sending the page's CSRF token as pages do
    (`csrf=False`: a client that forgets it)."""
    client = httpx.Client(base_url=base_url)
    login = client.get("/login")
    match = _CSRF_INPUT.search(login.text)
    assert match, "the login page has a CSRF field"
    answer = client.post("/login", data={"email": email, "password": password, "csrf": match.group(1)})
    assert answer.status_code == 303, answer.text
    page = client.get("/templates")
    token = re.search(r'"csrf": "([^"]+)"', page.text)
    assert token, "a signed-in page's boot data carries the session's CSRF token"
    if csrf:
        client.headers["X-CSRF-Token"] = token.group(1)
    return client
