"""Every string exists in the three languages, and every key the browser code asks for exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "sportello" / "web"
CATALOGS = {lang: json.loads((WEB / "static" / "i18n" / f"{lang}.json").read_text()) for lang in ("it", "en", "es")}


def test_the_three_catalogs_have_the_same_keys() -> None:
    english = set(CATALOGS["en"])
    for language, catalog in CATALOGS.items():
        assert set(catalog) == english, (language, sorted(set(catalog) ^ english))
        assert all(isinstance(v, str) and v.strip() for v in catalog.values()), language


def test_placeholders_match_across_languages() -> None:
    for key, text in CATALOGS["en"].items():
        wanted = set(re.findall(r"\{(\w+)\}", text))
        for language in ("it", "es"):
            assert set(re.findall(r"\{(\w+)\}", CATALOGS[language][key])) == wanted, (language, key)


def test_every_literal_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in list((WEB / "static" / "js").rglob("*.js")) + list((WEB / "html").glob("*.html")):
        used.update(re.findall(r"""\bt\(\s*["']([\w.]+)["']\s*[,)]""", path.read_text()))
    assert used, "the pages use translated strings"
    assert sorted(used - set(CATALOGS["en"])) == []
