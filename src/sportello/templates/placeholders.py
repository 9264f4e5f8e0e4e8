"""Sportello's `%%CODE%%` placeholders, checked as Meta checks `{{n}}` variables, and turned into them."""

from __future__ import annotations

import re

from sportello.errors import InvalidInput

PLACEHOLDER = re.compile(r"%%([A-Z][A-Z0-9_]{0,63})%%")
AT_END = re.compile(r"%%[A-Z][A-Z0-9_]{0,63}%%$")
NAME = re.compile(r"^[a-z0-9_]{1,512}$")


def codes(text: str) -> list[str]:
    """The placeholders of a text, in order of first appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def check_text(
    text: str, *, part: str, examples: dict[str, str], max_length: int, max_codes: int, body: bool = False
) -> None:
    """Lengths, placeholder count and examples; for the body also Meta's placement rules (no
    variable at its start or end, enough fixed text), which Meta does not apply to headers."""
    if len(text) > max_length:
        raise InvalidInput(
            f"The {part} is {len(text)} characters; WhatsApp allows {max_length}.",
            code="template_text_too_long",
            field=part,
        )
    found = codes(text)
    if len(found) > max_codes:
        raise InvalidInput(
            f"The {part} may have at most {max_codes} placeholder(s).", code="too_many_placeholders", field=part
        )
    if "%%" in PLACEHOLDER.sub("", text):
        raise InvalidInput(
            f"The {part} has a malformed placeholder: write them as %%CODE%%, capitals, digits and _.",
            code="malformed_placeholder",
            field=part,
        )
    if not found:
        return
    missing = [code for code in found if not examples.get(code, "").strip()]
    if missing:
        raise InvalidInput(
            f"Give an example for {', '.join(missing)}: Meta reviews the template with it.",
            code="placeholder_without_example",
            field=part,
        )
    if not body:
        return
    stripped = text.strip()
    if PLACEHOLDER.match(stripped) or AT_END.search(stripped):
        raise InvalidInput(
            f"A placeholder cannot open or close the {part}: WhatsApp refuses it. Add words around it.",
            code="placeholder_at_edge",
            field=part,
        )
    missing = [code for code in found if not examples.get(code, "").strip()]
    if missing:
        raise InvalidInput(
            f"Give an example for {', '.join(missing)}: Meta reviews the template with it.",
            code="placeholder_without_example",
            field=part,
        )
    words = len(PLACEHOLDER.sub(" ", text).split())
    if words < 2 * len(found) + 1:
        raise InvalidInput(
            f"The {part} has too many placeholders for its length: write more fixed text "
            f"(at least {2 * len(found) + 1} words for {len(found)} placeholder(s)).",
            code="too_few_words",
            field=part,
        )


def to_meta(text: str) -> str:
    """`Ciao %%NAME%%` → `Ciao {{1}}`. Meta numbers the variables of each component (header,
    body, a button's URL) from `{{1}}` on its own, and a send fills each component's parameters in
    that order: numbering across components would give the customer the values swapped."""
    order = codes(text)
    return PLACEHOLDER.sub(lambda m: "{{" + str(order.index(m.group(1)) + 1) + "}}", text)


def to_meta_named(text: str) -> str:
    """`Ciao %%FIRST_NAME%%` → `Ciao {{first_name}}`: Meta's named parameters are lowercase
    letters, digits and underscores, which a code turns into one to one."""
    return PLACEHOLDER.sub(lambda m: "{{" + meta_name(m.group(1)) + "}}", text)


def meta_name(code: str) -> str:
    return code.lower()


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
