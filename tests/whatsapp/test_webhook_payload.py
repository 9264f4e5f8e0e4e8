"""Meta's webhook bodies become typed changes: every published sample parses to what its manifest
says, odd items inside a valid envelope never cost the batch, and nothing but `InvalidWebhook`
ever comes out of the parser."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.whatsapp.webhook_payload import (
    InboundMessage,
    InvalidWebhook,
    StatusUpdate,
    TemplateStatusUpdate,
    UnknownChange,
    parse_webhook,
)

SHARED = Path(os.environ.get("SPORTELLO_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared"))
SAMPLES = SHARED / "whatsapp-samples"
MANIFEST: list[dict[str, Any]] = json.loads((SAMPLES / "manifest.json").read_text("utf-8"))
KINDS = {"inbound_message": InboundMessage, "status": StatusUpdate, "template_status": TemplateStatusUpdate}


def _envelope(value: Any, field: str = "messages") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": field, "value": value}]}],
    }


def _messages(*messages: Any, contacts: Any = None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": contacts if contacts is not None else [{"profile": {"name": "Giulia"}, "wa_id": "393331234567"}],
        "messages": list(messages),
    }
    return _envelope(value)


def _message(kind: str, body: Any = None, **extra: Any) -> dict[str, Any]:
    message = {"from": "393331234567", "id": f"wamid.{kind}", "timestamp": "1750000000", "type": kind, **extra}
    if body is not None:
        message[kind] = body
    return message


def _only(body: Any) -> Any:
    changes = parse_webhook(body)
    assert len(changes) == 1, changes
    return changes[0]


@pytest.mark.parametrize("item", MANIFEST, ids=[item["file"] for item in MANIFEST])
def test_every_published_sample_parses_to_what_its_manifest_says(item: dict[str, Any]) -> None:
    change = _only((SAMPLES / item["file"]).read_bytes())
    assert isinstance(change, KINDS[item["kind"]])
    if isinstance(change, InboundMessage):
        assert change.meta_id == item["wamid"] and change.from_wa_id == item["from"]
        assert change.meta_type == item["type"] and change.content_type != "Unsupported"
        assert change.phone_number_id == item["phone_number_id"]
        assert change.profile_name == item["profile_name"]
        assert change.timestamp == datetime.fromtimestamp(int(item["timestamp"]), UTC)
        assert (change.context is not None) is item["has_context"]
        assert bool(change.reply_to_meta_id) is item["has_context"]
        if "interactive_type" in item:
            assert change.interactive is not None and change.interactive["kind"] == item["interactive_type"]
            assert change.interactive["id"] and change.text == change.interactive["title"]
    elif isinstance(change, StatusUpdate):
        assert (change.meta_id, change.status, change.recipient_id) == (
            item["wamid"],
            item["status"],
            item["recipient_id"],
        )
        assert change.phone_number_id == item["phone_number_id"]
        assert change.timestamp == datetime.fromtimestamp(int(item["timestamp"]), UTC)
        assert bool(change.conversation_id) is item["has_conversation"]
        assert bool(change.pricing_category) is item["has_pricing"]
        assert [e.code for e in change.errors] == ([item["error_code"]] if "error_code" in item else [])
    else:
        assert isinstance(change, TemplateStatusUpdate)
        assert change.waba_id == item["waba_id"] and change.event == item["event"]
        assert change.message_template_id == str(item["template_id"])
        assert (change.name, change.language, change.reason) == (
            item["template_name"],
            item["language"],
            item["reason"],
        )


def test_the_manifest_covers_every_sample_file() -> None:
    files = {path.name for path in SAMPLES.glob("*.json")} - {"manifest.json"}
    assert files == {item["file"] for item in MANIFEST}


def test_media_keeps_what_the_download_needs_and_the_caption() -> None:
    image = _only((SAMPLES / "04_msg_image.json").read_bytes())
    assert image.media is not None
    assert (image.media.kind, image.media.media_id, image.media.mime_type) == (
        "image",
        "1003383421387256",
        "image/jpeg",
    )
    assert image.caption == image.text == "Taj Mahal"
    document = _only((SAMPLES / "05_msg_document.json").read_bytes())
    assert document.media.filename == "receipt.pdf" and document.caption == "my receipt"
    voice = _only((SAMPLES / "20_msg_audio_voice.json").read_bytes())
    assert voice.media.voice is True and voice.caption == ""


def test_location_reaction_and_template_button_are_typed() -> None:
    location = _only((SAMPLES / "06_msg_location.json").read_bytes())
    assert location.location == {
        "latitude": 37.44221496582,
        "longitude": -122.16165924072,
        "name": "Philz Coffee",
        "address": "101 Forest Ave, Palo Alto, CA 94301",
        "url": "https://philzcoffee.com/",
    }
    reaction = _only((SAMPLES / "15_msg_reaction.json").read_bytes())
    assert reaction.reaction == {
        "message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2ODVERUY5RDlGNkYA",
        "emoji": "👍",
    }
    button = _only((SAMPLES / "17_msg_button_template_quick_reply.json").read_bytes())
    assert button.button == {"payload": "Unsubscribe", "text": "Unsubscribe"}


def test_a_removed_reaction_has_an_empty_emoji() -> None:
    change = _only(_messages(_message("reaction", {"message_id": "wamid.OURS", "emoji": ""})))
    assert change.content_type == "Reaction" and change.reaction == {"message_id": "wamid.OURS", "emoji": ""}


def test_forwarded_flags_and_reply_context() -> None:
    change = _only(
        _messages(_message("text", {"body": "fwd"}, context={"forwarded": True, "frequently_forwarded": True}))
    )
    assert change.forwarded and change.context.frequently_forwarded and change.reply_to_meta_id == ""


def test_shared_contacts_and_a_system_notice() -> None:
    people = [{"name": {"formatted_name": "Mario Rossi", "first_name": "Mario"}, "phones": [{"phone": "+39 333"}]}]
    contacts = _only(_messages(_message("contacts", contacts=people)))
    assert contacts.content_type == "Contacts" and contacts.contacts == people and contacts.text == "Mario Rossi"
    system = _only(
        _messages(
            _message("system", {"body": "Giulia changed her number", "type": "user_changed_number", "wa_id": "3934"})
        )
    )
    assert system.system == {
        "type": "user_changed_number",
        "body": "Giulia changed her number",
        "new_wa_id": "3934",
        "new_user_id": "",
        "new_parent_user_id": "",
    }


@pytest.mark.parametrize(
    "message",
    [
        _message("order", {"catalog_id": "1"}),
        _message("unknown"),
        _message("text", "not an object"),
        _message("image", {"mime_type": "image/jpeg"}),
        _message("location", {"latitude": "north"}),
        _message("interactive", {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}),
        _message("reaction", {"emoji": "👍"}),
        _message("unsupported", errors=[{"code": 131051, "title": "Message type unknown"}]),
    ],
)
def test_unknown_or_broken_messages_are_unsupported_and_keep_their_raw_json(message: dict[str, Any]) -> None:
    change = _only(_messages(message))
    assert isinstance(change, InboundMessage)
    assert change.meta_type == "unsupported" and change.content_type == "Unsupported"
    assert change.raw == message and change.meta_id == message["id"]


def test_metas_own_unsupported_message_keeps_its_error() -> None:
    change = _only(_messages(_message("unsupported", errors=[{"code": 131051, "title": "Message type unknown"}])))
    assert [(e.code, e.title) for e in change.errors] == [(131051, "Message type unknown")]


def test_one_odd_item_never_costs_the_rest_of_the_batch() -> None:
    good = _message("text", {"body": "ciao"})
    body = _messages("junk", {"id": "wamid.NOFROM"}, good)
    body["entry"][0]["changes"] += [
        {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}},
        {"field": "messages", "value": {"messaging_product": "whatsapp", "errors": [{"code": 131000}]}},
        "not a change",
        {"field": "message_template_status_update", "value": {"event": "APPROVED"}},
    ]
    body["entry"].append("not an entry")
    changes = parse_webhook(body)
    assert [type(c).__name__ for c in changes] == [
        "UnknownChange",
        "UnknownChange",
        "InboundMessage",
        "UnknownChange",
        "UnknownChange",
        "UnknownChange",
        "UnknownChange",
    ]
    assert changes[2].text == "ciao" and changes[2].profile_name == "Giulia"
    assert changes[3] == UnknownChange(field="account_update", raw={"event": "VERIFIED_ACCOUNT"})


def test_a_status_keeps_errors_pricing_and_our_callback_data() -> None:
    status = {
        "id": "wamid.OUT",
        "status": "failed",
        "timestamp": 1750000001,
        "recipient_id": "393331234567",
        "biz_opaque_callback_data": "0f" * 16,
        "errors": [{"code": 131047, "title": "Re-engagement message", "message": "m", "error_data": {"details": "d"}}],
        "pricing": {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"},
    }
    change = _only(_envelope({"metadata": {"phone_number_id": "1"}, "statuses": [status]}))
    assert isinstance(change, StatusUpdate)
    assert change.biz_opaque_callback_data == "0f" * 16 and change.timestamp == datetime.fromtimestamp(1750000001, UTC)
    assert [(e.code, e.title, e.message, e.details) for e in change.errors] == [
        (131047, "Re-engagement message", "m", "d")
    ]
    assert (change.pricing_category, change.pricing_type, change.billable) == (
        "service",
        "free_customer_service",
        False,
    )
    played = _only(_envelope({"statuses": [{**status, "status": "played", "errors": []}]}))
    assert played.status == "played"


def test_a_rejected_template_carries_metas_reason() -> None:
    value = {
        "event": "REJECTED",
        "message_template_id": 594425479261596,
        "message_template_name": "welcome",
        "message_template_language": "it",
        "reason": "INVALID_FORMAT",
        "message_template_category": "MARKETING",
        "rejection_info": {"reason": "Variables at the start", "recommendation": "Move {{1}}"},
    }
    change = _only(_envelope(value, field="message_template_status_update"))
    assert isinstance(change, TemplateStatusUpdate)
    assert change.message_template_id == "594425479261596" and change.reason == "INVALID_FORMAT"
    assert change.rejection_info == {"reason": "Variables at the start", "recommendation": "Move {{1}}"}


def test_times_are_aware_utc_and_a_broken_one_reads_as_the_epoch() -> None:
    for stamp, expected in (
        ("1750000000", datetime.fromtimestamp(1750000000, UTC)),
        (1750000000.7, datetime.fromtimestamp(1750000000, UTC)),
        ("soon", datetime.fromtimestamp(0, UTC)),
        (None, datetime.fromtimestamp(0, UTC)),
        ("-5", datetime.fromtimestamp(0, UTC)),
    ):
        change = _only(_messages(_message("text", {"body": "x"}, timestamp=stamp)))
        assert change.timestamp == expected and change.timestamp.tzinfo is UTC


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"\xff\xfe\x00", b"[]", b"null", b'{"object": "page", "entry": []}', b'"whatsapp"', "{", []],
)
def test_what_is_not_a_whatsapp_envelope_is_invalid_with_a_message(body: Any) -> None:
    with pytest.raises(InvalidWebhook) as invalid:
        parse_webhook(body)
    assert str(invalid.value) and invalid.value.code == "invalid_webhook"


def test_an_envelope_with_nothing_in_it_has_no_changes() -> None:
    assert parse_webhook(b'{"object": "whatsapp_business_account"}') == []
    assert parse_webhook({"object": "whatsapp_business_account", "entry": [{"changes": []}]}) == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**120, max_value=10**130)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=15), children, max_size=6),
    max_leaves=40,
)
metaish_keys = st.sampled_from(
    [
        "object",
        "entry",
        "changes",
        "field",
        "value",
        "messages",
        "statuses",
        "contacts",
        "id",
        "from",
        "type",
        "timestamp",
        "text",
        "body",
        "image",
        "location",
        "latitude",
        "interactive",
        "context",
        "errors",
        "code",
    ]
)
metaish_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(
        [
            "whatsapp_business_account",
            "messages",
            "text",
            "image",
            "interactive",
            "button_reply",
            "message_template_status_update",
            "failed",
            "read",
        ]
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(metaish_keys, children, max_size=6),
    max_leaves=50,
)


def _parses_or_is_invalid(body: Any) -> None:
    try:
        changes = parse_webhook(body)
    except InvalidWebhook:
        return
    assert isinstance(changes, list)


@given(json_values)
def test_arbitrary_json_never_raises_anything_but_invalid_webhook(value: Any) -> None:
    _parses_or_is_invalid(value if isinstance(value, dict) else {"object": "x", "v": value})
    try:
        raw = json.dumps(value).encode()
    except ValueError:
        return
    _parses_or_is_invalid(raw)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_but_invalid_webhook(raw: bytes) -> None:
    _parses_or_is_invalid(raw)


def _strings(node: Any) -> list[str]:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        node = dataclasses.asdict(node)
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, child in node.items() for s in _strings(key) + _strings(child)]
    if isinstance(node, list | tuple):
        return [s for child in node for s in _strings(child)]
    return []


def test_lone_surrogates_and_nul_become_replacement_characters_keys_included() -> None:
    body = _messages(
        _message("text", {"body": "a\ud800b\u0000"}),
        _message("sticker\udc00", {"id\udbff": "x"}),
        contacts=[{"profile": {"name": "Giu\udfffia"}, "wa_id": "393331234567"}],
    )
    raw = json.dumps(body).encode()
    assert b"\\ud800" in raw and b"\\u0000" in raw  # valid JSON text, as a sender may send it
    text, odd = parse_webhook(raw)
    assert isinstance(text, InboundMessage) and text.text == "a\ufffdb\ufffd"
    assert text.profile_name == "Giu\ufffdia"
    assert isinstance(odd, InboundMessage) and odd.meta_type == "unsupported"
    assert odd.raw["sticker\ufffd"] == {"id\ufffd": "x"}
    # UTF-8 bytes that are no character (a raw surrogate, a stray Latin-1 byte) read as U+FFFD too.
    bytes_body = json.dumps(_messages(_message("text", {"body": "@"}))).encode().replace(b"@", b"\xed\xa0\x80\xe9")
    (broken,) = parse_webhook(bytes_body)
    assert isinstance(broken, InboundMessage) and set(broken.text) == {"\ufffd"}


def test_a_surrogate_deep_inside_the_json_is_cleaned_without_recursion() -> None:
    depth = 900  # under json's own limit; the cleaning walk must not add one of its own
    nested = "[" * depth + '"\\ud800"' + "]" * depth
    raw = '{"object": "whatsapp_business_account", "entry": [], "x": ' + nested + "}"
    assert parse_webhook(raw.encode()) == []


@given(
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Ll", "So"]), max_size=20),
    # Not the helper's own argument names, which a keyword cannot repeat.
    st.text(st.characters(codec=None, categories=["Cs", "Ll"]), max_size=8).filter(lambda k: k not in ("kind", "body")),
)
def test_every_string_a_webhook_yields_encodes_to_utf8(text: str, key: str) -> None:
    body = _messages(
        _message("text", {"body": text}, **{key: text}),
        _message(key or "x", {key: text}),
        contacts=[{"profile": {"name": text}, "wa_id": "393331234567", key: [text, {key: text}]}],
    )
    body["entry"][0]["id"] = text
    for change in parse_webhook(json.dumps(body).encode()):
        for string in _strings(change):
            string.encode("utf-8")
            assert "\x00" not in string


@given(metaish_values)
def test_anything_inside_a_valid_envelope_never_raises(value: Any) -> None:
    for body in (
        {"object": "whatsapp_business_account", "entry": value},
        {"object": "whatsapp_business_account", "entry": [{"changes": value}]},
        _envelope(value),
        _envelope(value, field="message_template_status_update"),
        _messages(value, contacts=value),
        _envelope({"statuses": [value]}),
    ):
        assert isinstance(parse_webhook(body), list)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


SAMPLE_BODIES = [json.loads((SAMPLES / item["file"]).read_text("utf-8")) for item in MANIFEST]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_samples_never_raise_anything_but_invalid_webhook(data: st.DataObject) -> None:
    body = copy.deepcopy(data.draw(st.sampled_from(SAMPLE_BODIES)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(body) if p]
        if not paths:
            break
        *parents, last = data.draw(st.sampled_from(paths))
        parent = body
        for step in parents:
            parent = parent[step]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = data.draw(metaish_values)
    _parses_or_is_invalid(body)
    _parses_or_is_invalid(json.dumps(body).encode())
