"""Every body Sportello sends to `POST /{Version}/{Phone-Number-ID}/messages` is valid against the
request schema of Meta's own OpenAPI description (shared/meta-openapi)."""

from __future__ import annotations

import pytest

from sportello.whatsapp import outbound_payloads as payloads

from .send_schema import send_schema_errors, send_schema_name

TO = "393331234567"
BUILT = {
    "text": payloads.text(TO, "Ciao"),
    "text with preview and reply": payloads.text(TO, "https://x.it", preview_url=True, reply_to="wamid.A"),
    "text with our uuid": payloads.text(TO, "Ciao", callback="0" * 32),
    "template": payloads.template(
        TO, "order_ready", "it", [{"type": "body", "parameters": [{"type": "text", "text": "Giulia"}]}]
    ),
    "template without parameters": payloads.template(TO, "hello_world", "en_US", [], callback="1" * 32),
    # No button component here: Meta's schema pins a button's `index` to '^[2-6, 11-14]$',
    # which refuses the "0" of Meta's own example beside it.
    "template with a media header": payloads.template(
        TO,
        "order_shipped",
        "it",
        [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.it/a.jpg"}}]}],
    ),
    "image": payloads.media(TO, "image", "1", caption="c", callback="2" * 32),
    "audio": payloads.media(TO, "audio", "1", caption="ignored for audio"),
    "video": payloads.media(TO, "video", "1", caption="v", reply_to="wamid.A"),
    "document": payloads.media(TO, "document", "1", caption="Ricevuta", filename="a.pdf"),
    "sticker": payloads.media(TO, "sticker", "1", filename="ignored"),
    "buttons": payloads.buttons(TO, "Pick one", [("yes", "Sì"), ("no", "No")], reply_to="wamid.A", callback="3" * 32),
    "list": payloads.list_message(
        TO,
        "Choose",
        "Options",
        [{"title": "S", "rows": [{"id": "1", "title": "One", "description": "d"}, {"id": "2", "title": "Two"}]}],
        header="H",
        footer="F",
    ),
    "list without header": payloads.list_message(
        TO, "Choose", "Options", [{"title": "S", "rows": [{"id": "1", "title": "One"}]}]
    ),
    "reaction": payloads.reaction(TO, "wamid.A", "👍"),
    "reaction removed": payloads.reaction(TO, "wamid.A", ""),
}


def test_the_send_endpoints_schema_is_found_in_metas_description() -> None:
    assert send_schema_name() == "Message"


@pytest.mark.parametrize("name", list(BUILT))
def test_every_builder_matches_metas_request_schema(name: str) -> None:
    assert send_schema_errors(BUILT[name]) == []


def test_the_schema_is_a_real_yardstick() -> None:
    assert send_schema_errors({**payloads.text(TO, "x"), "type": "txt"}) != []
    assert send_schema_errors({**payloads.text(TO, "x"), "colour": "red"}) != []
    assert send_schema_errors({k: v for k, v in payloads.text(TO, "x").items() if k != "to"}) != []


def test_our_uuid_rides_in_biz_opaque_callback_data_and_nowhere_else() -> None:
    plain, tagged = payloads.text(TO, "x"), payloads.text(TO, "x", callback="f" * 32)
    assert tagged == {**plain, "biz_opaque_callback_data": "f" * 32}
    assert "biz_opaque_callback_data" not in payloads.reaction(TO, "wamid.A", "👍")


def test_caption_and_filename_go_only_where_meta_reads_them() -> None:
    assert BUILT["document"]["document"] == {"id": "1", "caption": "Ricevuta", "filename": "a.pdf"}
    assert BUILT["audio"]["audio"] == {"id": "1"} and BUILT["sticker"]["sticker"] == {"id": "1"}


def test_mark_as_read_is_metas_documented_body() -> None:
    # Not a `Message` (it has no `type`): Meta's mark-as-read guide gives this exact body.
    assert payloads.mark_as_read("wamid.A") == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.A",
    }


def test_the_typing_indicator_rides_on_a_read_receipt_as_metas_example() -> None:
    # Meta's OpenAPI (v23.0), example "Send typing indicator and read receipt".
    assert payloads.mark_as_read("wamid.A", typing=True) == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.A",
        "typing_indicator": {"type": "text"},
    }
