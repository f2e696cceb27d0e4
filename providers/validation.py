"""Reading and checking the figures in a return. Used by the return form and again by the services that move a return
on, so the rules live once and a crafted POST cannot skip them.

Figures are read by core.numbers.parse_number and money by core.money.parse_pounds, which builds on it: one grammar,
with commas only in threes ("74,626", never "74, 626" or "1,00"). The messages here name the measure.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.money import AmountError, parse_pounds
from core.numbers import NumberError, parse_number

from .models import Breakdown, Measure

# A count of people or cases in one period for one service. Generous, but a 20-digit count is a slip of the keyboard,
# and the column (and every total built from it) must be able to hold it.
MAX_COUNT = 1_000_000
# Any other figure (hours, days, scores): what ReturnValue.number can hold with room for totals over a year.
MAX_NUMBER = Decimal(1_000_000_000)
# Money is bounded by parse_pounds (core.money.MAX_POUNDS), which fits ReturnValue.number with room to spare.


class FigureError(ValueError):
    """A figure that cannot be read; the message names the measure and says what to enter."""


def measure_field(measure: Measure) -> str:
    return f"m_{measure.code}"


def option_field(breakdown: Breakdown, option) -> str:
    return f"b_{breakdown.measure.code}__{breakdown.dimension}__{option.code}"


def _count_error(kind: str, label: str) -> FigureError:
    if kind == "too_big":
        return FigureError(f"{label} must be {MAX_COUNT:,} or fewer")
    return FigureError(f"Enter a whole number of 0 or more for {label}")


def read_count(raw, label: str) -> int:
    try:
        return int(parse_number(raw, places=0, maximum=MAX_COUNT))
    except NumberError as exc:
        raise _count_error(exc.kind, label) from exc


def _percentage_error(label: str) -> FigureError:
    return FigureError(f"Enter a percentage from 0 to 100 for {label}, like 45 or 45.5")


def _number_error(kind: str, label: str) -> FigureError:
    if kind == "too_big":
        return FigureError(f"{label} must be {MAX_NUMBER:,} or less")
    if kind == "places":
        return FigureError(f"Enter {label} with no more than 2 decimal places")
    return FigureError(f"Enter a number of 0 or more for {label}, like 12 or 12.5")


def _money(raw, label: str) -> Decimal:
    try:
        return parse_pounds(raw)
    except AmountError as exc:
        raise FigureError(f"{label}: {exc}") from exc


def _yes_no_error(label: str) -> FigureError:
    return FigureError(f"Select yes or no for {label}")


# A yes/no answer as the form sends it, and as it is stored (ReturnValue.number).
YES, NO = "yes", "no"
YES_NO_STORED = {YES: 1, NO: 0}


def read_measure(raw: str, measure: Measure) -> int | Decimal | str:
    """The value typed for a measure, as int, Decimal or str. Raises FigureError with a message for the person."""
    text = (raw or "").strip()
    kind, label = measure.kind, measure.label
    if kind == Measure.Kind.YES_NO:
        if text.lower() not in YES_NO_STORED:
            raise _yes_no_error(label)
        return YES_NO_STORED[text.lower()]
    if kind == Measure.Kind.TEXT:
        if len(text) > 2000:
            raise FigureError(f"{label} must be 2,000 characters or fewer")
        return text
    if kind == Measure.Kind.COUNT:
        return read_count(text, label)
    if kind == Measure.Kind.MONEY:
        return _money(text, label)
    if kind == Measure.Kind.PERCENTAGE:
        try:
            return parse_number(text.removesuffix("%").strip(), places=2, maximum=100)
        except NumberError as exc:
            raise _percentage_error(label) from exc
    try:
        return parse_number(text, places=2, maximum=MAX_NUMBER)
    except NumberError as exc:
        raise _number_error(exc.kind, label) from exc


def check_stored(number: Decimal, measure: Measure) -> int | Decimal:
    """A figure read back from the database, as read_measure would give it; FigureError if today's rules refuse it.

    Figures saved before these rules (a 20-digit count, NaN) are shown for correction, never used or totalled.
    """
    label = measure.label
    if not number.is_finite():
        raise FigureError(f"Enter a new figure for {label}: the one saved could not be read")
    if measure.kind == Measure.Kind.COUNT:
        if number < 0 or number != number.to_integral_value():
            raise _count_error("format", label)
        if number > MAX_COUNT:
            raise _count_error("too_big", label)
        return int(number)
    if measure.kind == Measure.Kind.YES_NO:
        if number not in (0, 1):
            raise _yes_no_error(label)
        return int(number)
    if measure.kind == Measure.Kind.MONEY:
        return _money(f"{number:f}", label)
    places = -number.normalize().as_tuple().exponent
    if measure.kind == Measure.Kind.PERCENTAGE:
        if not 0 <= number <= 100 or places > 2:
            raise _percentage_error(label)
        return number
    if number < 0:
        raise _number_error("negative", label)
    if places > 2:
        raise _number_error("places", label)
    if number > MAX_NUMBER:
        raise _number_error("too_big", label)
    return number


def check_stored_count(count: int, label: str) -> int:
    if count < 0:
        raise _count_error("format", label)
    if count > MAX_COUNT:
        raise _count_error("too_big", label)
    return count


@dataclass(frozen=True)
class NeedsCorrection:
    """A stored figure today's rules refuse: shown as it was saved, with why, and never used in a total."""

    shown: str
    message: str

    def __str__(self) -> str:
        return self.shown


# A figure as read from the form: int (count), Decimal (money, percentage, number), str (text), None (left blank).
type Figure = int | Decimal | str | None
# A figure as read back from the database: the same, or one today's rules refuse.
type StoredFigure = Figure | NeedsCorrection


@dataclass
class Problem:
    field: str
    message: str


def completeness_problems(
    measures: Iterable[Measure],
    values: Mapping[str, StoredFigure],
    option_counts: Mapping[str, int | NeedsCorrection | None],
) -> list[Problem]:
    """What stops a return going to sign-off: missing figures, and breakdowns that do not add up to their totals.

    `values` maps measure field names to read values (None when blank); `option_counts` maps option field names to
    counts. Measures must come with breakdowns and options prefetched.
    """
    problems = [
        Problem(name, f"{figure.message}. The figure saved was {figure.shown}")
        for name, figure in (*values.items(), *option_counts.items())
        if isinstance(figure, NeedsCorrection)
    ]
    for measure in measures:
        if measure.is_recomputed:
            problems.extend(_parts_problems(measure, values))
            continue  # worked out from its parts, never asked for
        value = values.get(measure_field(measure))
        if isinstance(value, NeedsCorrection):
            continue
        if measure.required and (value is None or value == ""):
            if measure.kind == Measure.Kind.YES_NO:
                message = f"Select yes or no for {measure.label}"
            else:
                message = f"Enter {'an answer' if measure.kind == Measure.Kind.TEXT else 'a figure'} for {measure.label}"
            problems.append(Problem(measure_field(measure), message))
        for breakdown in measure.breakdowns.all():
            options = list(breakdown.options.all())
            if not options:
                continue
            names = [option_field(breakdown, option) for option in options]
            counts = [option_counts.get(name) for name in names]
            if any(isinstance(c, NeedsCorrection) for c in counts):
                continue
            if any(c is None for c in counts):
                problems.append(
                    Problem(
                        names[counts.index(None)],
                        f"Enter every {breakdown.label} figure for {measure.label}, "
                        f"using 0 where there were none",
                    )
                )
                continue
            total = sum(counts)
            if value is not None and value != "" and total != value:
                problems.append(
                    Problem(
                        names[0],
                        f"The {breakdown.label} breakdown adds up to {total:,} but {measure.label} "
                        f"is {value:,}. Check the figures",
                    )
                )
    return problems


def _parts_problems(measure: Measure, values: Mapping[str, StoredFigure]) -> list[Problem]:
    """A percentage worked out from its parts cannot be more than 100: the count on top is part of the one under."""
    top, bottom = measure.numerator, measure.denominator
    assert top is not None and bottom is not None  # is_recomputed
    n, d = values.get(measure_field(top)), values.get(measure_field(bottom))
    if isinstance(n, int) and isinstance(d, int) and n > d:
        return [
            Problem(
                measure_field(top),
                f"{top.label} must be no more than {bottom.label[:1].lower()}{bottom.label[1:]} ({d:,}), "
                f"because they are part of it",
            )
        ]
    return []


def worked_out_percentage(measure: Measure, values: Mapping[str, StoredFigure]) -> Decimal | None:
    """One return's percentage from its parts, to 2 decimal places; None until both parts are given and make sense."""
    top, bottom = measure.numerator, measure.denominator
    if top is None or bottom is None:
        return None
    n, d = values.get(measure_field(top)), values.get(measure_field(bottom))
    if not isinstance(n, int) or not isinstance(d, int) or d == 0 or n > d:
        return None
    return (Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.01"), ROUND_HALF_UP)
