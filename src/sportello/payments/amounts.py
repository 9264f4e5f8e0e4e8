"""Amounts as agents type them and as customers read them. Money is a Decimal, never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sportello.errors import InvalidInput
from sportello.payments.currencies import DECIMALS

# PayPal's own ceiling for one payment is lower than this in most countries; anything above is a typo.
MAX_AMOUNT = Decimal("1000000")
_AMOUNT = re.compile(r"^\d{1,9}([.,]\d+)?$")


def check_currency(code: str) -> str:
    code = code.strip().upper()
    if code not in DECIMALS:
        raise InvalidInput(
            f"PayPal does not take payments in {code[:10]}.", code="currency_unsupported", field="currency"
        )
    return code


def parse_amount(raw: str, currency: str) -> Decimal:
    """`12.50` or `12,50` (no thousands separators: `1.250` would be ambiguous), > 0, with no more
    decimals than the currency has (JPY has none), and not absurdly large."""
    text = raw.strip()
    if text.startswith("-") and _AMOUNT.match(text[1:].strip()):
        raise InvalidInput("The amount must be more than zero.", code="amount_not_positive", field="amount")
    if not _AMOUNT.match(text):
        raise InvalidInput("Write the amount as a number, e.g. 12.50.", code="amount_not_a_number", field="amount")
    try:
        amount = Decimal(text.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern already refused it
        raise InvalidInput("Write the amount as a number, e.g. 12.50.", code="amount_not_a_number") from error
    decimals = DECIMALS[currency]
    exponent = amount.as_tuple().exponent
    step = Decimal(1).scaleb(-decimals)
    if isinstance(exponent, int) and -exponent > decimals and amount != amount.quantize(step):
        raise InvalidInput(
            f"{currency} amounts have {decimals} decimals at most."
            if decimals
            else f"{currency} amounts have no decimals.",
            code="amount_too_many_decimals",
            field="amount",
        )
    if amount <= 0:
        raise InvalidInput("The amount must be more than zero.", code="amount_not_positive", field="amount")
    if amount > MAX_AMOUNT:
        raise InvalidInput(
            f"The amount is too large: at most {MAX_AMOUNT:,} per request.", code="amount_too_large", field="amount"
        )
    return amount.quantize(step)


def paypal_amount(amount: Decimal, currency: str) -> str:
    """As PayPal's `amount` variable wants it: a dot, the currency's decimals, no grouping."""
    return f"{amount:.{DECIMALS[currency]}f}"


def customer_amount(amount: Decimal, currency: str, language: str) -> str:
    """How the message shows it in its template's language: `12,50 EUR` in Italian and Spanish,
    `EUR 12.50` in English, with thousands grouped as each language groups them."""
    decimals = DECIMALS[currency]
    grouped = f"{amount:,.{decimals}f}"
    if language.startswith(("it", "es")):
        grouped = grouped.replace(",", " ").replace(".", ",").replace(" ", ".")
        return f"{grouped} {currency}"
    return f"{currency} {grouped}"
