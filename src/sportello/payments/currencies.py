"""The currencies a PayPal payment page accepts (ISO 4217 codes) and how many decimals each has
there. PayPal takes no decimals for HUF, JPY and TWD, whatever ISO 4217 says of HUF and TWD."""

from __future__ import annotations

DECIMALS: dict[str, int] = {
    "AUD": 2,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 0,
    "ILS": 2,
    "JPY": 0,
    "MXN": 2,
    "MYR": 2,
    "NOK": 2,
    "NZD": 2,
    "PHP": 2,
    "PLN": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TWD": 0,
    "USD": 2,
}


def ordered_for(default: str) -> list[str]:
    """Every currency, the account's own first."""
    return [default, *sorted(code for code in DECIMALS if code != default)]
