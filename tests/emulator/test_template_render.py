"""The emulator renders a template send as the customer reads it, and refuses parameters that do
not fit a component, as Meta does (132000)."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.emulator.errors import GraphError
from sportello.emulator.state import StoredTemplate
from sportello.emulator.template_render import render_send


def _stored(parameter_format: str = "POSITIONAL", **texts: str) -> StoredTemplate:
    header = texts.get("header", "Order {{1}}")
    body = texts.get("body", "Hi {{1}}, your order {{2}} is ready.")
    url = texts.get("url", "https://shop.example.com/t/{{1}}")
    return StoredTemplate(
        template_id="1",
        waba_id="w",
        name="order_ready",
        language="en",
        category="UTILITY",
        status="APPROVED",
        parameter_format=parameter_format,
        components=[
            {"type": "HEADER", "format": "TEXT", "text": header},
            {"type": "BODY", "text": body},
            {"type": "FOOTER", "text": "Shop"},
            {
                "type": "BUTTONS",
                "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}, {"type": "URL", "text": "Track", "url": url}],
            },
        ],
    )


def _text(*values: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": v} for v in values]


def test_each_component_is_filled_from_its_own_parameters() -> None:
    rendered = render_send(
        _stored(),
        {
            "components": [
                {"type": "header", "parameters": _text("A-42")},
                {"type": "body", "parameters": _text("Giulia", "A-42")},
                {"type": "button", "sub_type": "url", "index": "1", "parameters": _text("P9")},
            ]
        },
    )
    assert rendered.text == "Order A-42\n\nHi Giulia, your order A-42 is ready.\n\nShop"
    assert rendered.buttons[1] == {"type": "URL", "text": "Track", "url": "https://shop.example.com/t/P9"}


def test_named_parameters_fill_by_name() -> None:
    stored = _stored(
        "NAMED",
        header="Order {{order_id}}",
        body="Hi {{first_name}}, your order {{order_id}} is ready.",
        url="https://s.example/x",
    )
    rendered = render_send(
        stored,
        {
            "components": [
                {"type": "header", "parameters": [{"type": "text", "parameter_name": "order_id", "text": "A-42"}]},
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "parameter_name": "order_id", "text": "A-42"},
                        {"type": "text", "parameter_name": "first_name", "text": "Giulia"},
                    ],
                },
            ]
        },
    )
    assert rendered.text == "Order A-42\n\nHi Giulia, your order A-42 is ready.\n\nShop"


@pytest.mark.parametrize(
    "components",
    [
        # The body's values all sent in the body, the header's missing: Meta counts per component.
        [{"type": "body", "parameters": _text("Giulia", "A-42")}],
        [{"type": "header", "parameters": _text("A-42")}, {"type": "body", "parameters": _text("Giulia")}],
        [
            {"type": "header", "parameters": _text("A-42")},
            {"type": "body", "parameters": _text("Giulia", "A-42")},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": _text("P9")},
        ],
    ],
)
def test_parameters_that_do_not_fit_a_component_are_refused(components: list[dict[str, Any]]) -> None:
    with pytest.raises(GraphError):
        render_send(_stored(), {"components": components})
