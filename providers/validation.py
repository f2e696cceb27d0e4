"""Reading and checking the figures in a return. Used by the return form and again by the services that move a return
on, so the rules live once and a crafted POST cannot skip them."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from funds.money import AmountError, parse_pounds

from .models import Breakdown, Measure

_WHOLE = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+)$")
_DECIMAL = re.compile(r"^-?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?$")


class FigureError(ValueError):
    """A figure that cannot be read; the message names the measure and says what to enter."""


def measure_field(measure: Measure) -> str:
    return f"m_{measure.code}"


def option_field(breakdown: Breakdown, option) -> str:
    return f"b_{breakdown.measure.code}__{breakdown.dimension}__{option.code}"


def read_count(raw: str, label: str) -> int:
    text = (raw or "").strip()
    if not _WHOLE.match(text):
        raise FigureError(f"Enter a whole number of 0 or more for {label}")
    return int(text.replace(",", ""))


def read_measure(raw: str, measure: Measure):
    """The value typed for a measure, as int, Decimal or str. Raises FigureError with a message for the person."""
    text = (raw or "").strip()
    kind, label = measure.kind, measure.label
    if kind == Measure.Kind.TEXT:
        if len(text) > 2000:
            raise FigureError(f"{label} must be 2,000 characters or fewer")
        return text
    if kind == Measure.Kind.COUNT:
        return read_count(text, label)
    if kind == Measure.Kind.MONEY:
        try:
            return parse_pounds(text)
        except AmountError as exc:
            raise FigureError(f"{label}: {exc}") from exc
    if kind == Measure.Kind.PERCENTAGE:
        text = text.rstrip("%").strip()
        try:
            value = Decimal(text) if re.fullmatch(r"\d+(\.\d{1,2})?", text) else None
        except InvalidOperation:
            value = None
        if value is None or value > 100:
            raise FigureError(f"Enter a percentage from 0 to 100 for {label}, like 45 or 45.5")
        return value
    if not _DECIMAL.match(text):
        raise FigureError(f"Enter a number for {label}, like 12 or 12.5")
    return Decimal(text.replace(",", ""))


@dataclass
class Problem:
    field: str
    message: str


def completeness_problems(measures, values: dict[str, object], option_counts: dict[str, int | None]) -> list[Problem]:
    """What stops a return going to sign-off: missing figures, and breakdowns that do not add up to their totals.

    `values` maps measure field names to read values (None when blank); `option_counts` maps option field names to
    counts. Measures must come with breakdowns and options prefetched.
    """
    problems = []
    for measure in measures:
        value = values.get(measure_field(measure))
        if measure.required and (value is None or value == ""):
            noun = "an answer" if measure.kind == Measure.Kind.TEXT else "a figure"
            problems.append(Problem(measure_field(measure), f"Enter {noun} for {measure.label}"))
        for breakdown in measure.breakdowns.all():
            options = list(breakdown.options.all())
            if not options:
                continue
            names = [option_field(breakdown, option) for option in options]
            counts = [option_counts.get(name) for name in names]
            if any(c is None for c in counts):
                problems.append(Problem(names[counts.index(None)],
                                        f"Enter every {breakdown.label} figure for {measure.label}, "
                                        f"using 0 where there were none"))
                continue
            total = sum(counts)
            if value is not None and value != "" and total != value:
                problems.append(Problem(names[0],
                                        f"The {breakdown.label} breakdown adds up to {total:,} but {measure.label} "
                                        f"is {value:,}. Check the figures"))
    return problems
