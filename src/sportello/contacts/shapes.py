"""Builds the wire `Contact` (REST API, and inside `Chat`)."""

from __future__ import annotations

from sportello.contacts.schemas import AssignedOperator, ContactPanelRead, ContactRead
from sportello.contacts.service import ContactView
from sportello.settings import Settings


def contact_read(view: ContactView, settings: Settings) -> ContactRead:
    contact = view.contact
    return ContactRead(
        id=contact.id,
        phone=contact.phone or "",
        user_id=contact.whatsapp_user_id or "",
        username=contact.username,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        language=contact.language,
        status=contact.status,
        is_blocked=contact.is_blocked,
        chat_uuid=view.chat.uuid,
        chat_link=f"{settings.public_app_url}/chats/{view.chat.uuid}",
        role_set=[AssignedOperator(id=u.id, email=u.email, name=u.name, role=u.role) for u in view.operators],
        tag_set=view.tags,
        list_set=[],
        created_datetime=contact.created_at,
    )


def contact_panel_read(view: ContactView, settings: Settings) -> ContactPanelRead:
    return ContactPanelRead(**contact_read(view, settings).model_dump(), note=view.contact.note)
