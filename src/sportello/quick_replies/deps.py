"""Who may change quick replies from the web app: a signed-in person of a role that may."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from sportello.credentials.deps import PageViewer, Viewer
from sportello.errors import Forbidden
from sportello.quick_replies import service


async def _viewer_that_can_manage(viewer: PageViewer) -> Viewer:
    # Managed on a page of the full app; a frame (a host's page) only uses them.
    if viewer.frame is not None:
        raise Forbidden("Quick replies are managed from the full app.", code="quick_reply_changes_not_allowed")
    service.ensure_may_manage(viewer.actor)
    return viewer


PageViewerThatCanManageQuickReplies = Annotated[Viewer, Depends(_viewer_that_can_manage)]
