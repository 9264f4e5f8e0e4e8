"""Meta's error codes decide whether a send is retried, and what an agent reads in it, en, es."""

from __future__ import annotations

import json
import re

import pytest

from sportello.whatsapp.errors import (
    CATALOG_DIR,
    LANGUAGES,
    PERMANENT_CODES,
    RETRYABLE_CODES,
    TRANSPORT_ERROR,
    GraphApiError,
    agent_message,
)

CATALOGS = {lang: json.loads((CATALOG_DIR / f"{lang}.json").read_text("utf-8")) for lang in LANGUAGES}


def _error(code: int, http_status: int = 400) -> GraphApiError:
    return GraphApiError(http_status=http_status, code=code, message="m")


def test_the_three_catalogs_have_the_same_keys_and_placeholders() -> None:
    keys = {lang: set(catalog) for lang, catalog in CATALOGS.items()}
    assert keys["it"] == keys["en"] == keys["es"]
    for key in CATALOGS["en"]:
        placeholders = {lang: set(re.findall(r"\{\w+\}", catalog[key])) for lang, catalog in CATALOGS.items()}
        assert placeholders["it"] == placeholders["en"] == placeholders["es"], key
        assert all(catalog[key].strip() for catalog in CATALOGS.values()), key
    assert "{code}" in CATALOGS["en"]["generic"]


def test_every_code_we_decide_on_has_a_sentence() -> None:
    assert {str(code) for code in RETRYABLE_CODES | PERMANENT_CODES} <= set(CATALOGS["en"])


@pytest.mark.parametrize("code", [130429, 131056, 131057, 80007, 4, TRANSPORT_ERROR])
def test_rate_limits_maintenance_and_transport_are_retried(code: int) -> None:
    assert _error(code).is_retryable


@pytest.mark.parametrize("code", [100, 131008, 131009, 132000, 132001, 190, 131047, 131026, 131051])
def test_errors_the_agent_must_fix_are_not_retried_even_as_5xx(code: int) -> None:
    assert not _error(code).is_retryable
    assert not _error(code, http_status=500).is_retryable


def test_an_unknown_code_is_retried_only_on_a_server_error() -> None:
    assert not _error(131999).is_retryable
    assert _error(131999, http_status=503).is_retryable


def test_agent_message_speaks_the_agents_language() -> None:
    error = _error(131047)
    assert "24" in error.agent_message("it") and "plantilla" in error.agent_message("es")
    assert error.agent_message("fr") == error.agent_message("en") == CATALOGS["en"]["131047"]
    assert error.agent_message("it-IT") == CATALOGS["it"]["131047"]


def test_an_unknown_code_gets_a_generic_sentence_with_metas_code() -> None:
    assert agent_message(999999, "es", "x") == "WhatsApp rechazó el mensaje (error 999999). x"
    assert "999999" in _error(999999).agent_message("it")
    assert not agent_message(999999, "en").endswith(" ")


def test_metas_error_envelope_is_read() -> None:
    body = {
        "error": {
            "message": "(#130429) Rate limit hit",
            "type": "OAuthException",
            "code": 130429,
            "error_data": {"messaging_product": "whatsapp", "details": "Too many messages"},
            "error_subcode": 2494055,
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
        }
    }
    error = GraphApiError.from_response(400, body)
    assert (error.http_status, error.code, error.message, error.details) == (
        400,
        130429,
        "(#130429) Rate limit hit",
        "Too many messages",
    )
    assert (error.fbtrace_id, error.error_type, error.is_retryable) == (
        "Az8or2yhqkZfEZ-_4Qn_Bam",
        "OAuthException",
        True,
    )


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (502, "<html>Bad gateway</html>", TRANSPORT_ERROR),
        (504, None, TRANSPORT_ERROR),
        (404, None, 404),
        (400, {"error": "nope"}, 400),
        (400, {"error": {"message": "no code"}}, 400),
        (400, {"error": {"code": True}}, 400),
    ],
)
def test_without_metas_envelope_the_http_status_stands_in(status: int, body: object, code: int) -> None:
    assert GraphApiError.from_response(status, body).code == code
