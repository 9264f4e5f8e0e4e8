"""Inbound kinds parse with everything Meta sent: a click-to-WhatsApp ad's referral, Meta's reason
for an unsupported message, a reaction's removal, a place's name and address. The samples are in
tests/whatsapp/samples/ (kinds_*), each with its source in manifest.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sportello.whatsapp.webhook_payload import InboundMessage, parse_webhook

SAMPLES = Path(__file__).resolve().parent / "samples"


def _one(name: str) -> InboundMessage:
    [change] = parse_webhook((SAMPLES / name).read_bytes())
    assert isinstance(change, InboundMessage)
    return change


def test_an_ad_referral_is_read_field_by_field() -> None:
    message = _one("kinds_01_text_from_ad_referral.json")
    assert message.content_type == "Text" and message.text == "Does it come in another colour?"
    assert message.referral is not None
    assert message.referral == {
        "source_url": "https://fb.me/3cr4Wqqkv",
        "source_id": "120226305854810726",
        "source_type": "ad",
        "headline": "Chat with us",
        "body": "Summer succulents are here!",
        "media_type": "image",
        "image_url": "https://scontent.xx.fbcdn.net/v/t45.1-example.jpg",
        "video_url": "",
        "thumbnail_url": "",
        "ctwa_clid": message.raw["referral"]["ctwa_clid"],
        "welcome_message": "Hi there! Let us know how we can help!",
    }
    assert message.referral["ctwa_clid"].startswith("Aff-n8ZTOD")


def test_a_referral_comes_with_any_kind_and_a_message_without_one_has_none() -> None:
    body: dict[str, Any] = json.loads((SAMPLES / "kinds_04_location_with_address.json").read_text())
    [plain] = parse_webhook(json.dumps(body))
    assert isinstance(plain, InboundMessage) and plain.referral is None
    body["entry"][0]["changes"][0]["value"]["messages"][0]["referral"] = {
        "source_type": "post",
        "headline": 7,
        "welcome_message": "not an object",
    }
    [located] = parse_webhook(json.dumps(body))
    assert isinstance(located, InboundMessage) and located.referral is not None
    assert located.content_type == "Location"
    assert located.referral["source_type"] == "post" and located.referral["headline"] == "7"
    assert located.referral["welcome_message"] == "" and located.referral["source_url"] == ""


def test_an_unsupported_message_keeps_metas_type_and_reason() -> None:
    message = _one("kinds_02_unsupported_poll.json")
    assert message.content_type == "Unsupported" and message.unsupported_type == "poll_update"
    [error] = message.errors
    assert error.code == 131051 and error.title == "Message type unknown"
    assert error.details == "Message type is currently not supported."


def test_a_type_sportello_does_not_read_is_unsupported_under_its_own_name() -> None:
    body: dict[str, Any] = json.loads((SAMPLES / "kinds_02_unsupported_poll.json").read_text())
    raw = body["entry"][0]["changes"][0]["value"]["messages"][0]
    del raw["unsupported"], raw["errors"]
    raw.update(type="order", order={"catalog_id": "1", "product_items": []})
    [message] = parse_webhook(json.dumps(body))
    assert isinstance(message, InboundMessage)
    assert message.content_type == "Unsupported" and message.unsupported_type == "order" and message.errors == []


def test_a_removed_reaction_has_an_empty_emoji_and_names_its_message() -> None:
    message = _one("kinds_03_reaction_removed.json")
    assert message.content_type == "Reaction"
    assert message.reaction == {"message_id": "wamid.yzxyzx=", "emoji": ""}


def test_a_place_keeps_its_name_address_and_coordinates() -> None:
    message = _one("kinds_04_location_with_address.json")
    assert message.location == {
        "latitude": 37.4611978,
        "longitude": -122.2164385,
        "name": "Facebook HQ",
        "address": "1 Hacker Way, Menlo Park, CA 94025",
        "url": "https://maps.google.com/?cid=2000000000000000000",
    }
