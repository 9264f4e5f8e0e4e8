"""`X-Hub-Signature-256` and Meta's GET handshake: only Meta's own calls get through."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello.errors import Forbidden
from sportello.whatsapp.signature import check_verification, sign, verify_signature

SECRET = "app-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def test_signed_body_is_accepted_with_hex_in_either_case() -> None:
    header = sign(BODY, SECRET)
    assert header == "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    digest = header.removeprefix("sha256=")
    for variant in (header, "sha256=" + digest.upper(), "SHA256=" + digest, f"  {header}  "):
        assert verify_signature(BODY, variant, SECRET), variant


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256",
        "sha1=" + "0" * 40,
        "sha256=" + "0" * 64,
        "sha256=" + "z" * 64,
        "sha256=" + "é" * 64,
        "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()[:-1],
        hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest(),
    ],
)
def test_missing_or_malformed_header_is_refused(header: str | None) -> None:
    assert verify_signature(BODY, header, SECRET) is False


def test_another_secret_or_a_changed_body_is_refused() -> None:
    header = sign(BODY, SECRET)
    assert not verify_signature(BODY, header, "other-secret")
    assert not verify_signature(BODY + b" ", header, SECRET)
    assert not verify_signature(BODY, header, "")


@given(body=st.binary(max_size=200), header=st.text(max_size=80))
def test_any_header_gives_a_boolean_and_never_raises(body: bytes, header: str) -> None:
    assert verify_signature(body, header, SECRET) in (True, False)
    assert verify_signature(body, sign(body, SECRET), SECRET)


def test_meta_registering_the_url_gets_the_challenge_back() -> None:
    assert check_verification("subscribe", "verify-me", "1158201444", "verify-me") == "1158201444"


@pytest.mark.parametrize(
    ("mode", "token", "challenge", "expected", "code"),
    [
        ("subscribe", "verify-me", "1", "", "verify_token_not_set"),
        ("unsubscribe", "verify-me", "1", "verify-me", "verify_mode_invalid"),
        (None, "verify-me", "1", "verify-me", "verify_mode_invalid"),
        ("subscribe", "nope", "1", "verify-me", "verify_token_mismatch"),
        ("subscribe", None, "1", "verify-me", "verify_token_mismatch"),
        ("subscribe", "verify-me", None, "verify-me", "challenge_invalid"),
        ("subscribe", "verify-me", "", "verify-me", "challenge_invalid"),
        ("subscribe", "verify-me", "<script>alert(1)</script>", "verify-me", "challenge_invalid"),
    ],
)
def test_a_wrong_registration_is_forbidden_with_a_stable_code(
    mode: str | None, token: str | None, challenge: str | None, expected: str, code: str
) -> None:
    with pytest.raises(Forbidden) as refused:
        check_verification(mode, token, challenge, expected)
    assert refused.value.code == code and refused.value.status_code == 403
