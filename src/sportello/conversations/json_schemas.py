"""The `Chat`, `Message` and live event shapes as JSON Schema files shipped in the package (`sportello/schemas/`),
versioned, so integrators can validate what the API, the iframe events and webhooks carry.

`python -m sportello.conversations.json_schemas` writes them; a test fails when they differ from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sportello.conversations.chat_schemas import CHAT_SCHEMA_VERSION, ChatRead
from sportello.conversations.live_schemas import LIVE_EVENT_SCHEMA_VERSION, LiveEventRead
from sportello.messages.schemas import MESSAGE_SCHEMA_VERSION, MessageRead

SCHEMA_DIR = Path(__file__).parent.parent / "schemas"


def schemas() -> dict[str, dict[str, Any]]:
    found = {}
    for name, model, version in (
        ("chat", ChatRead, CHAT_SCHEMA_VERSION),
        ("message", MessageRead, MESSAGE_SCHEMA_VERSION),
        ("live-event", LiveEventRead, LIVE_EVENT_SCHEMA_VERSION),
    ):
        schema = model.model_json_schema(mode="serialization")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://sportello.example/schemas/{name}.v{version}.json"
        schema["title"] = f"Sportello {name.replace('-', ' ').title()} v{version}"
        found[f"{name}.v{version}.json"] = schema
    return found


def write() -> list[Path]:
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for filename, schema in schemas().items():
        path = SCHEMA_DIR / filename
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path)
