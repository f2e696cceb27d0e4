"""Pounds and pence: one parser for forms and imports alike, and one way to print an amount."""

import re
from decimal import Decimal, InvalidOperation

PENNY = Decimal("0.01")
AMOUNT_HINT = "Enter an amount in pounds, like 1,250 or 1250.50"

# Either plain digits, or digits grouped in threes by commas with no spaces: "1234", "1,234", "1,234.50".
_AMOUNT = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?$")


class AmountError(ValueError):
    """An amount a person typed that we cannot read as pounds and pence; the message says what to fix."""


def parse_pounds(raw, *, allow_zero: bool = True) -> Decimal:
    if isinstance(raw, bool):
        raise AmountError(AMOUNT_HINT)
    if isinstance(raw, (int, Decimal)):
        text = str(raw)
    elif isinstance(raw, float):
        # Spreadsheet cells arrive as floats; repr gives the shortest exact text for what was typed.
        text = repr(raw)
    else:
        text = str(raw or "").strip()
    if not text:
        raise AmountError("Enter an amount")
    if text.startswith("-") or text.startswith("£-") or text.startswith("(") and text.endswith(")"):
        raise AmountError("Enter an amount of 0 or more, without a minus sign")
    body = text[1:].strip() if text.startswith("£") else text
    if re.search(r"[kmb]$", body, re.IGNORECASE):
        raise AmountError(f"{AMOUNT_HINT}, in full, not abbreviated like 12k")
    if not _AMOUNT.match(body):
        if re.match(r"^\d+(\.\d{3,})$", body):
            raise AmountError("Enter an amount with no more than 2 decimal places (pence)")
        raise AmountError(AMOUNT_HINT)
    try:
        value = Decimal(body.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only valid decimals
        raise AmountError(AMOUNT_HINT) from exc
    if not allow_zero and value == 0:
        raise AmountError("Enter an amount greater than 0")
    return value.quantize(PENNY)


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
