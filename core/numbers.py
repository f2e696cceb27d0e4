"""The one grammar for a number a person types: money (core.money.parse_pounds builds on it), counts and measures in
monitoring returns, figures and weights in needs assessments.

Digits in plain runs, or grouped in threes by commas with no spaces ("1234", "1,234", "1,234.50"; never "74, 626" or
"1,00"). ASCII digits only: Decimal() would otherwise read other scripts' digits, and a person would not see what was
stored. No signs, exponents ("1e400"), "NaN", "Infinity", "12k" or "1 000". Callers word the messages, because each
names what the figure is for.
"""

import re
from decimal import Decimal

_NUMBER = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.([0-9]+))?", re.ASCII)


class NumberError(ValueError):
    """Why typed text is not a figure: "format", "negative", "places" or "too_big". Callers word the message."""

    def __init__(self, kind: str):
        self.kind = kind
        super().__init__(kind)


def parse_number(raw, *, places: int | None, maximum: Decimal | int | None) -> Decimal:
    """A figure of 0 to `maximum` with at most `places` decimal places typed: "163,400", "163400", "0.4".

    `places` counts the digits typed after the point, so "1.50" has two. None for either leaves that check to the
    caller (parse_pounds checks pence and its ceiling after scaling a figure written in £000).
    """
    text = str(raw or "").strip()
    if text.startswith(("-", "(", "\u2212")):
        raise NumberError("negative")
    match = _NUMBER.fullmatch(text)
    if not match:
        raise NumberError("format")
    if places is not None and match.group(1) and len(match.group(1)) > places:
        raise NumberError("places")
    value = Decimal(text.replace(",", ""))
    if maximum is not None and value > maximum:
        raise NumberError("too_big")
    return value
