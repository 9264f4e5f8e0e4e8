"""The three languages. One JSON catalog per language, shared by server pages and browser code."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("it", "en", "es")
DEFAULT_LANGUAGE = "en"
# The catalogs live with the browser code, which loads the same files.
CATALOG_DIR = Path(__file__).parent.parent / "web" / "static" / "i18n"


def normalise_language(value: str | None) -> str:
    """`it`, `en`, `es` (also `it-IT` and the like); anything else is `en`."""
    if not value:
        return DEFAULT_LANGUAGE
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def language_from_accept(header: str | None) -> str | None:
    if not header:
        return None
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        pieces = part.strip().split(";")
        quality = 1.0
        for param in pieces[1:]:
            if param.strip().startswith("q="):
                try:
                    quality = float(param.strip()[2:])
                except ValueError:
                    quality = 0.0
        tag = pieces[0].strip().lower().split("-")[0]
        if tag in LANGUAGES:
            ranked.append((quality, tag))
    return max(ranked)[1] if ranked else None


@cache
def catalog(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((CATALOG_DIR / f"{normalise_language(language)}.json").read_text("utf-8"))
    return data


def translate(language: str, key: str, **params: object) -> str:
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text
