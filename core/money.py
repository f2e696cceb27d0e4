"""Pounds and pence: one parser for forms and imports alike, and one way to print an amount."""

import math
import re
from decimal import Decimal

from .numbers import NumberError, parse_number

PENNY = Decimal("0.01")
ONE = Decimal(1)
AMOUNT_HINT = "Enter an amount in pounds, like 1,250 or 1250.50"

# The most a money column holds: every amount is stored in DecimalField(max_digits=12, decimal_places=2)
# (funds.models.MONEY, and the copies of it in other apps), the smallest column an amount can end up in.
MAX_POUNDS = Decimal("9999999999.99")


class AmountError(ValueError):
    """An amount a person typed that we cannot read as pounds and pence; the message says what to fix."""


def parse_pounds(
    raw, *, allow_zero: bool = True, maximum: Decimal = MAX_POUNDS, unit: Decimal = ONE
) -> Decimal:
    """The amount `raw` says, as exact pounds and pence, or AmountError with the message to show.

    `raw` is what a person typed, or a spreadsheet cell (int, float or Decimal). `maximum` may lower the ceiling for
    a rule that needs it; it never needs raising, because no column holds more than MAX_POUNDS. `unit` is a power of
    ten for figures written in thousands or millions of pounds (1000 for a column in £000); every check applies to
    the amount in pounds, so "1.2345" in £000 is £1,234.50 and "1.234567" is refused for its fraction of a penny.
    """
    if isinstance(raw, bool):
        raise AmountError(AMOUNT_HINT)
    if isinstance(raw, (int, float, Decimal)):
        value = _number(raw)
    else:
        value = _text(str(raw or "").strip())
    if unit != ONE:
        value = _times_power_of_ten(value, unit)
    if value < 0:
        raise AmountError("Enter an amount of 0 or more, without a minus sign")
    if value > maximum:
        raise AmountError(f"Enter an amount of {format_pounds(maximum)} or less")
    if value != value.quantize(PENNY):
        raise AmountError("Enter an amount with no more than 2 decimal places (pence)")
    if not allow_zero and value == 0:
        raise AmountError("Enter an amount greater than 0")
    return value.quantize(PENNY).copy_abs()  # copy_abs: a Decimal("-0") cell is £0.00, not -£0.00


def _times_power_of_ten(value: Decimal, unit: Decimal) -> Decimal:
    # Moving the exponent is exact whatever the number of digits; multiplying would round at 28 digits.
    places = unit.adjusted()
    if places < 0 or unit != ONE.scaleb(places):
        raise ValueError(f"unit must be a power of ten of at least 1, not {unit}")
    sign, digits, exponent = value.as_tuple()
    return Decimal((sign, digits, exponent + places))


def _number(raw: int | float | Decimal) -> Decimal:
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise AmountError(AMOUNT_HINT)
        # Spreadsheet cells arrive as floats; repr gives the shortest exact text for what was typed.
        return Decimal(repr(raw))
    value = Decimal(raw)
    if not value.is_finite():
        raise AmountError(AMOUNT_HINT)
    return value


def _text(text: str) -> Decimal:
    if not text:
        raise AmountError("Enter an amount")
    if text.startswith("-") or text.startswith("£-") or (text.startswith("(") and text.endswith(")")):
        raise AmountError("Enter an amount of 0 or more, without a minus sign")
    body = text[1:].strip() if text.startswith("£") else text
    if re.search(r"[0-9.][kmb]$", body, re.IGNORECASE):
        raise AmountError(f"{AMOUNT_HINT}, in full, not abbreviated like 12k")
    # core.numbers' grammar; pence and the ceiling are checked by parse_pounds on the amount in pounds. A sign it
    # finds here (a Unicode minus, "(5") was not caught above, so it gets the general hint, as it always has.
    try:
        return parse_number(body, places=None, maximum=None)
    except NumberError as exc:
        raise AmountError(AMOUNT_HINT) from exc


def format_pounds(value, *, pence: bool | None = None) -> str:
    """£1,234 for whole pounds, £1,234.50 otherwise; pence=True forces two decimals."""
    if value is None:
        return ""
    value = Decimal(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    show_pence = pence if pence is not None else value != value.to_integral_value()
    text = f"{value:,.2f}" if show_pence else f"{value.quantize(Decimal(1)):,.0f}"
    return f"{sign}£{text}"
