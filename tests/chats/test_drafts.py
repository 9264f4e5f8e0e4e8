"""Drafts kept on the server: what an agent typed in a chat's reply box and did not send follows
them to any frame or page of theirs, stays theirs alone, and goes once the message is sent."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sportello.accounts.models import Role
from sportello.settings import Settings
from support.live import chat_of, says
from support.seeding import Integration, add_service_user_with_key
from support.sessions import open_frame
from support.world import World, running_world

GIULIA, MARCO = "+393331234567", "+393471112222"


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with running_world(settings) as world:
        yield world


def draft_path(chat: str) -> str:
    return f"/web/api/chats/{chat}/draft/"


def frame(world: World, who: Integration, **toggles: object) -> httpx.Client:
    return open_frame(world.sportello_url, who, **toggles)


def test_a_draft_follows_its_agent_to_another_frame_and_goes_with_the_send(world: World) -> None:
    anna = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Anna")
    bruno = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Bruno")
    says(world, GIULIA, "Ciao!")
    says(world, MARCO, "Buongiorno")
    giulia, marco = chat_of(world, anna, GIULIA), chat_of(world, anna, MARCO)
    with frame(world, anna) as first, frame(world, anna) as second, frame(world, bruno) as colleague:
        assert first.get(draft_path(giulia)).json() == {"text": ""}
        typed = "Sì, la giacca blu c'è anche in M\n\n*a presto* "
        assert first.put(draft_path(giulia), json={"text": typed}).json() == {"text": typed}
        # Another frame of Anna's (a reload, another tab) has it, spaces and lines as typed.
        assert second.get(draft_path(giulia)).json() == {"text": typed}
        # Replaced, never doubled; another chat and another agent have their own.
        assert second.put(draft_path(giulia), json={"text": "Sì, in M"}).status_code == 200
        assert first.get(draft_path(giulia)).json() == {"text": "Sì, in M"}
        assert first.get(draft_path(marco)).json() == {"text": ""}
        assert colleague.get(draft_path(giulia)).json() == {"text": ""}
        # Sent: the draft is gone, whatever the page does next.
        sent = second.post(f"/web/api/chats/{giulia}/messages/", json={"type": "Message", "text": "Sì, in M"})
        assert sent.status_code == 201, sent.text
        assert first.get(draft_path(giulia)).json() == {"text": ""}
        # Only spaces: nothing kept.
        assert first.put(draft_path(marco), json={"text": "   \n"}).json() == {"text": ""}
        assert first.get(draft_path(marco)).json() == {"text": ""}


def test_a_draft_is_refused_clearly_when_too_long_or_where_the_agent_may_not_reply(world: World) -> None:
    anna = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_MANAGER, name="Anna")
    operator = add_service_user_with_key(world.settings, world.account_id, role=Role.CHAT_OPERATOR, name="Op")
    says(world, GIULIA, "Ciao!")
    giulia = chat_of(world, anna, GIULIA)
    with (
        frame(world, anna) as at_anna,
        frame(world, anna, can_reply_in_chat=False) as reading_only,
        frame(world, operator) as at_operator,
    ):
        too_long = at_anna.put(draft_path(giulia), json={"text": "x" * 4097})
        assert too_long.status_code == 400, too_long.text
        assert at_anna.put(draft_path(giulia), json={"text": "x", "other": 1}).status_code == 400
        assert at_anna.put(draft_path(giulia), json={"text": "x" * 4096}).status_code == 200
        # A frame that may not reply has no composer, so no draft; a Chat Operator sees no chat not theirs.
        assert reading_only.get(draft_path(giulia)).status_code == 403
        assert at_operator.get(draft_path(giulia)).status_code == 404
        assert at_operator.put(draft_path(giulia), json={"text": "mio"}).status_code == 404
        assert at_anna.get(draft_path("f" * 32)).status_code == 404
