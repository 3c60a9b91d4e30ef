"""A number as its input wrote it, where a float would lose digits of it."""

from __future__ import annotations

import decimal


def exact(value: decimal.Decimal) -> int | float | str:
    """A decimal as the same number: a whole one as an int (digit for digit, however long), else
    a float where its digits are the decimal's own, else the decimal's exact text.

    A float of 23 digits is the same float for neighbouring ids: they would be one id.
    """
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    return number if decimal.Decimal(repr(number)) == value else str(value)
