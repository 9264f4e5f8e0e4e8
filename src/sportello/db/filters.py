"""Conditions that repositories build the same way."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, or_


def in_any(*choices: tuple[Any, Collection[Any]]) -> ColumnElement[bool] | None:
    """Rows whose column is in its list, for any of the (column, values) pairs with values;
    `None` when every list is empty (nothing is wanted: the caller asks nothing)."""
    chosen = [column.in_(list(values)) for column, values in choices if values]
    return or_(*chosen) if chosen else None
