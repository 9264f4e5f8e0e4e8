"""Amounts as agents type them: each currency's decimals (JPY none), never zero or negative, never
absurd, never a float; and PayPal's link carries exactly what was asked."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello.errors import InvalidInput
from sportello.payments.amounts import customer_amount, parse_amount, paypal_amount
from sportello.payments.models import PaymentRequest
from sportello.payments.service import paypal_url


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("12.50", "EUR", Decimal("12.50")),
        ("12,5", "EUR", Decimal("12.50")),
        ("12.500", "EUR", Decimal("12.50")),
        ("1500", "JPY", Decimal("1500")),
        ("1500.0", "JPY", Decimal("1500")),
        (" 0.01 ", "USD", Decimal("0.01")),
        ("1000000", "EUR", Decimal("1000000.00")),
    ],
)
def test_good_amounts(raw: str, currency: str, expected: Decimal) -> None:
    assert parse_amount(raw, currency) == expected


@pytest.mark.parametrize(
    ("raw", "currency", "code"),
    [
        ("0", "EUR", "amount_not_positive"),
        ("0.00", "EUR", "amount_not_positive"),
        ("-5", "EUR", "amount_not_positive"),
        ("- 3,20", "EUR", "amount_not_positive"),
        ("12.345", "EUR", "amount_too_many_decimals"),
        ("12.5", "JPY", "amount_too_many_decimals"),
        ("twelve", "EUR", "amount_not_a_number"),
        ("1e3", "EUR", "amount_not_a_number"),
        ("1.250,00", "EUR", "amount_not_a_number"),
        ("NaN", "EUR", "amount_not_a_number"),
        ("", "EUR", "amount_not_a_number"),
        ("1000000.01", "EUR", "amount_too_large"),
        ("999999999", "USD", "amount_too_large"),
    ],
)
def test_bad_amounts_are_refused_with_their_own_code(raw: str, currency: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(raw, currency)
    assert refused.value.code == code


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2))
def test_what_is_parsed_is_what_paypal_gets(value: Decimal) -> None:
    assert paypal_amount(parse_amount(str(value), "EUR"), "EUR") == f"{value:.2f}"


def test_the_customer_reads_the_amount_in_the_templates_language() -> None:
    assert customer_amount(Decimal("1250.5"), "EUR", "it") == "1.250,50 EUR"
    assert customer_amount(Decimal("1250.5"), "EUR", "es") == "1.250,50 EUR"
    assert customer_amount(Decimal("1250.5"), "USD", "en") == "USD 1,250.50"
    assert customer_amount(Decimal("1500"), "JPY", "en_US") == "JPY 1,500"


def test_paypals_link_names_the_receiver_amount_currency_and_description() -> None:
    request = PaymentRequest(
        public_id="x",
        receiver_email="shop@example.com",
        amount=Decimal("12.50"),
        currency="EUR",
        description="Ordine 7",
    )
    url = paypal_url(request, "https://www.paypal.com/cgi-bin/webscr")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.paypal.com/cgi-bin/webscr"
    assert parse_qs(parts.query) == {
        "cmd": ["_xclick"],
        "business": ["shop@example.com"],
        "amount": ["12.50"],
        "currency_code": ["EUR"],
        "item_name": ["Ordine 7"],
        "charset": ["utf-8"],
    }
