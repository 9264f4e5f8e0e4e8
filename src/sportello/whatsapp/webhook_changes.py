"""The typed changes a Meta webhook carries: inbound messages, statuses, template statuses.

The parts a flow stores as JSON as they are (a location, a button reply, a reaction…) are
`TypedDict`s, so they stay plain dicts at runtime; everything else is a frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

# Meta's message type → Sportello's content type. Anything else is "unsupported".
CONTENT_TYPES = {
    "text": "Text",
    "image": "Image",
    "document": "Document",
    "audio": "Audio",
    "video": "Video",
    "sticker": "Sticker",
    "location": "Location",
    "contacts": "Contacts",
    "interactive": "Interactive",
    "button": "Button",
    "reaction": "Reaction",
    "system": "System",
}
MEDIA_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})
# The interactive replies a customer can send back to our buttons and lists.
INTERACTIVE_REPLIES = frozenset({"button_reply", "list_reply"})
UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class MediaRef:
    """A file the customer sent: Meta keeps it 7 days under `media_id`."""

    kind: str
    media_id: str
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    voice: bool = False


class Location(TypedDict):
    latitude: float
    longitude: float
    name: str
    address: str
    url: str


class InteractiveReply(TypedDict):
    kind: str  # button_reply | list_reply
    id: str
    title: str
    description: str  # list rows only


class TemplateButton(TypedDict):
    """A quick-reply button of a template, pressed."""

    payload: str
    text: str


class Referral(TypedDict):
    """Where a click-to-WhatsApp ad (or a post) brought the customer from: Meta puts it on the
    first message after the tap (the text, image and video webhook references, M-WH). Every
    field is "" when Meta left it out (e.g. `ctwa_clid` for an ad in WhatsApp Status)."""

    source_url: str
    source_id: str  # the ad's (or post's) id
    source_type: str  # ad | post
    headline: str
    body: str
    media_type: str  # image | video
    image_url: str
    video_url: str
    thumbnail_url: str
    ctwa_clid: str  # the click id, for Meta's Conversions API
    welcome_message: str  # the ad's greeting text (`welcome_message.text`)


class Reaction(TypedDict):
    message_id: str
    emoji: str  # "" when the customer removed their reaction


class SystemNotice(TypedDict):
    type: str  # e.g. user_changed_number
    body: str
    new_wa_id: str
    # A new phone gives a new BSUID, which the notice carries (M-BSUID; pywa's PhoneNumberChange
    # reads `system.user_id` and `system.parent_user_id`).
    new_user_id: str
    new_parent_user_id: str


@dataclass(frozen=True)
class MessageContext:
    """What a message answers or where it came from."""

    message_id: str = ""  # the message replied to (ours or theirs)
    from_wa_id: str = ""
    forwarded: bool = False
    frequently_forwarded: bool = False
    referred_product: dict[str, Any] | None = None


@dataclass(frozen=True)
class MetaError:
    """One of Meta's `errors[]` items, in a status or an inbound message."""

    code: int | None
    title: str = ""
    message: str = ""
    details: str = ""
    href: str = ""


@dataclass(frozen=True, kw_only=True)
class InboundMessage:
    """A message a customer sent. `text` is what an agent reads in the bubble: the body of a
    text, the caption of a file, the title of a reply, the emoji of a reaction."""

    phone_number_id: str
    display_phone_number: str = ""
    # The sender's phone as Meta's digits; "" when Meta left it out (a username user, M-BSUID).
    from_wa_id: str
    contact_wa_id: str = ""
    profile_name: str = ""
    # The sender's business-scoped user id (`contacts[].user_id`), parent BSUID and username
    # (`contacts[].profile.username`), "" when absent.
    user_id: str = ""
    parent_user_id: str = ""
    username: str = ""
    meta_id: str
    timestamp: datetime
    meta_type: str  # one of CONTENT_TYPES' keys, or "unsupported"
    text: str = ""
    caption: str = ""
    media: MediaRef | None = None
    location: Location | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    interactive: InteractiveReply | None = None
    button: TemplateButton | None = None
    reaction: Reaction | None = None
    system: SystemNotice | None = None
    referral: Referral | None = None
    # What Meta could not deliver (`unsupported.type`, e.g. `edit`, `poll_creation`), or the type
    # Sportello does not read (e.g. `order`); "" when neither is known.
    unsupported_type: str = ""
    context: MessageContext | None = None
    errors: list[MetaError] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.meta_type, "Unsupported")

    @property
    def reply_to_meta_id(self) -> str:
        return self.context.message_id if self.context else ""

    @property
    def forwarded(self) -> bool:
        return bool(self.context and (self.context.forwarded or self.context.frequently_forwarded))


@dataclass(frozen=True, kw_only=True)
class StatusUpdate:
    """Meta's news about a message we sent. `status` is Meta's word, kept even when unknown."""

    phone_number_id: str
    display_phone_number: str = ""
    meta_id: str
    status: str  # sent | delivered | read | failed | played | …
    timestamp: datetime
    recipient_id: str = ""  # the phone, when the message went to one (or Meta knows it)
    # The recipient's BSUID: Meta adds it to sent, delivered and read (M-BSUID); a failed
    # status of a send to a phone may lack it.
    recipient_user_id: str = ""
    recipient_parent_user_id: str = ""
    errors: list[MetaError] = field(default_factory=list)
    pricing_category: str = ""
    pricing_model: str = ""
    pricing_type: str = ""
    billable: bool | None = None
    conversation_id: str = ""
    conversation_origin: str = ""
    biz_opaque_callback_data: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


class RejectionInfo(TypedDict):
    reason: str
    recommendation: str


@dataclass(frozen=True, kw_only=True)
class TemplateStatusUpdate:
    waba_id: str
    event: str  # APPROVED | REJECTED | PAUSED | DISABLED | …
    template_id: str
    name: str = ""
    language: str = ""
    reason: str = ""  # "NONE" is Meta's way of saying none
    category: str = ""
    rejection_info: RejectionInfo = field(default_factory=lambda: RejectionInfo(reason="", recommendation=""))
    other_info_title: str = ""
    other_info_description: str = ""

    @property
    def message_template_id(self) -> str:
        return self.template_id


@dataclass(frozen=True)
class UnknownChange:
    """A change Sportello does not act on; its raw value is kept in the stored event anyway."""

    field: str
    raw: Any


Change = InboundMessage | StatusUpdate | TemplateStatusUpdate | UnknownChange
