"""The JSON Schema files shipped for integrators match the models, and describe real answers."""

from __future__ import annotations

import json

import jsonschema

from sportello.conversations.json_schemas import SCHEMA_DIR, schemas


def test_the_shipped_schema_files_match_the_models() -> None:
    for filename, schema in schemas().items():
        shipped = json.loads((SCHEMA_DIR / filename).read_text())
        assert shipped == json.loads(json.dumps(schema)), (
            f"{filename} is stale: run python -m sportello.conversations.json_schemas"
        )


def test_a_message_as_the_api_answers_it_is_valid() -> None:
    message = {
        "uuid": "a" * 32,
        "chat_uuid": "b" * 32,
        "chat_link": "http://127.0.0.1:8000/chats/" + "b" * 32,
        "direction": "Inbound",
        "type": "Message",
        "content_type": "Text",
        "text": "Ciao",
        "content": {},
        "send_status": "Received",
        "sent_datetime": "2026-11-25T10:00:00Z",
        "delivered_datetime": None,
        "read_datetime": None,
        "error_code": None,
        "send_error_message": "",
        "reply_to": None,
        "template": None,
        "mediamessage_set": [],
        "created_datetime": "2026-11-25T10:00:00Z",
    }
    jsonschema.validate(message, json.loads((SCHEMA_DIR / "message.v1.json").read_text()))
    broken = {**message, "send_status": "Teleported"}
    try:
        jsonschema.validate(broken, json.loads((SCHEMA_DIR / "message.v1.json").read_text()))
    except jsonschema.ValidationError:
        return
    raise AssertionError("an unknown send_status passed the schema")
