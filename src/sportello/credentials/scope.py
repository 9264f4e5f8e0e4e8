"""What a frame session may reach: what the page it was opened on may do (CONTRACT §3, "Prevent
navigation"). Pure functions of `FrameSession.page` and `FrameSession.chat_uuid`, so the REST
reads and the live events ask the same question and get the same answer."""

from __future__ import annotations

from typing import Literal

from sportello.credentials.models import FrameSession

Page = Literal["chats", "chat", "templates"]
PAGES: tuple[Page, ...] = ("chats", "chat", "templates")


def reachable_chats(frame: FrameSession) -> tuple[str, ...] | None:
    """`None`: every chat the user's role sees (the list is open, so is any chat of it);
    otherwise only these chats' uuids, maybe none. The templates page opens no chat; a chat page
    without its list, only its own."""
    if frame.page == "templates":
        return ()
    if frame.can_view_chat_list:
        return None
    return (frame.chat_uuid,) if frame.page == "chat" and frame.chat_uuid else ()


def may_open_chat(frame: FrameSession, chat_uuid: str) -> bool:
    reachable = reachable_chats(frame)
    return reachable is None or chat_uuid in reachable


def may_open_chat_list(frame: FrameSession) -> bool:
    return frame.can_view_chat_list and frame.page != "templates"


def may_change_templates(frame: FrameSession) -> bool:
    """Requesting, submitting and deleting templates is the templates page's job, no other's."""
    return frame.page == "templates"
