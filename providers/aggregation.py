"""The one place figures are combined across monitoring returns, by the measure's kind.

Counts, numbers and money are summed. A yes/no measure is counted: "3 of 4 returns said yes". A percentage is never
summed (two services at 50% and 60% are not at 110%): it is recomputed from its parts when the measure names them
(the sum of the counts on top over the sum of the counts underneath), averaged weighted by a count when it names one,
and otherwise averaged plainly, which `how` says in so many words. Text cannot be combined.

Charts, totals, exports and reports call combine() or combine_by_period(); none of them adds figures up itself.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from core.money import format_pounds

from .models import Measure, MonitoringReturn, ReturnValue

if TYPE_CHECKING:
    import datetime

K = Measure.Kind
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Combined:
    value: (
        Decimal | None
    )  # the combined figure (a percentage as e.g. Decimal("68.4")), None if nothing to combine
    kind: str  # Measure.Kind value
    return_ids: tuple[int, ...]  # the monitoring returns that contributed (for tracing)
    how: str  # a sentence: "Sum of 4 returns", "Recomputed from its parts: 340 of 500", ...


# (return id, measure id) -> the figure given; only figures that were given
type Figures = dict[tuple[int, int], Decimal]


def _returns(n: int) -> str:
    return f"{n} return" if n == 1 else f"{n} returns"


def _count(value: Decimal) -> str:
    return f"{value:,}" if value != value.to_integral_value() else f"{int(value):,}"


def _in_a_sentence(label: str) -> str:
    return label[:1].lower() + label[1:]


def _given(figures: Figures, measure_id: int) -> dict[int, Decimal]:
    return {return_id: number for (return_id, m_id), number in figures.items() if m_id == measure_id}


def _sum(measure: Measure, figures: Figures) -> Combined:
    given = _given(figures, measure.pk)
    if not given:
        return Combined(None, measure.kind, (), "No returns gave a figure")
    return Combined(
        sum(given.values(), Decimal(0)), measure.kind, tuple(sorted(given)), f"Sum of {_returns(len(given))}"
    )


def _yes_no(measure: Measure, figures: Figures) -> Combined:
    given = _given(figures, measure.pk)
    if not given:
        return Combined(None, measure.kind, (), "No returns gave an answer")
    yes = sum(1 for number in given.values() if number == 1)
    return Combined(
        Decimal(yes), measure.kind, tuple(sorted(given)), f"{yes} of {_returns(len(given))} said yes"
    )


def _percentage(measure: Measure, figures: Figures) -> Combined:
    if measure.numerator_id is not None and measure.denominator_id is not None:
        return _recomputed(measure, figures)
    if measure.weighted_by_id is not None:
        return _weighted(measure, figures)
    given = _given(figures, measure.pk)
    if not given:
        return Combined(None, measure.kind, (), "No returns gave a figure")
    average = (sum(given.values(), Decimal(0)) / len(given)).quantize(ONE_PLACE, ROUND_HALF_UP)
    how = f"Plain average of {_returns(len(given))}, not weighted by how many cases each return covers"
    return Combined(average, measure.kind, tuple(sorted(given)), how)


def _recomputed(measure: Measure, figures: Figures) -> Combined:
    # Only returns that gave both parts: a return with cases closed but no outcomes would pull the figure down.
    tops, bottoms = _given(figures, measure.numerator_id), _given(figures, measure.denominator_id)  # type: ignore[arg-type]
    both = sorted(set(tops) & set(bottoms))
    if not both:
        return Combined(None, measure.kind, (), "Recomputed from its parts: no returns gave both parts")
    top = sum((tops[r] for r in both), Decimal(0))
    bottom = sum((bottoms[r] for r in both), Decimal(0))
    how = f"Recomputed from its parts: {_count(top)} of {_count(bottom)}"
    if bottom == 0:
        return Combined(None, measure.kind, tuple(both), how + ", so there is no percentage")
    value = (top * 100 / bottom).quantize(ONE_PLACE, ROUND_HALF_UP)
    return Combined(value, measure.kind, tuple(both), how)


def _weighted(measure: Measure, figures: Figures) -> Combined:
    percentages, weights = _given(figures, measure.pk), _given(figures, measure.weighted_by_id)  # type: ignore[arg-type]
    both = sorted(set(percentages) & set(weights))
    weight_label = _in_a_sentence(measure.weighted_by.label) if measure.weighted_by else "a count"
    how = f"Average of {_returns(len(both))} weighted by {weight_label}"
    if not both:
        return Combined(None, measure.kind, (), how)
    total_weight = sum((weights[r] for r in both), Decimal(0))
    if total_weight == 0:
        return Combined(
            None, measure.kind, tuple(both), how + ", which add up to 0, so there is no percentage"
        )
    value = sum((percentages[r] * weights[r] for r in both), Decimal(0)) / total_weight
    return Combined(value.quantize(ONE_PLACE, ROUND_HALF_UP), measure.kind, tuple(both), how)


def _refuse_text(measure: Measure, figures: Figures) -> Combined:
    raise ValueError(f"“{measure.label}” is a text measure: answers in words cannot be combined")


# Every kind has a rule. A kind added to Measure.Kind without one is refused (and the tests over every kind fail).
RULES: dict[str, Callable[[Measure, Figures], Combined]] = {
    K.COUNT: _sum,
    K.NUMBER: _sum,
    K.MONEY: _sum,
    K.YES_NO: _yes_no,
    K.PERCENTAGE: _percentage,
    K.TEXT: _refuse_text,
}


def _rule(measure: Measure) -> Callable[[Measure, Figures], Combined]:
    try:
        return RULES[measure.kind]
    except KeyError:
        raise ValueError(f"There is no rule for combining {measure.kind} measures") from None


def measures_read(measure: Measure) -> list[int]:
    """The measures whose figures combining this one reads: itself and any parts or weight."""
    ids = [measure.numerator_id, measure.denominator_id] if measure.is_recomputed else [measure.pk]
    if measure.kind == K.PERCENTAGE and measure.weighted_by_id is not None and not measure.is_recomputed:
        ids.append(measure.weighted_by_id)
    return [i for i in ids if i is not None]


def combine(measure: Measure, return_ids: Iterable[int]) -> Combined:
    """The measure combined over the given returns (the caller has already chosen them by status, period, service).
    One query for the figures, and one more for the label of a weighting measure."""
    rule = _rule(measure)
    ids = sorted(set(return_ids))
    if measure.kind == K.TEXT:
        return rule(measure, {})
    figures: Figures = {}
    if ids:
        for return_id, measure_id, number in ReturnValue.objects.filter(
            monitoring_return_id__in=ids, measure_id__in=measures_read(measure), number__isnull=False
        ).values_list("monitoring_return_id", "measure_id", "number"):
            assert number is not None  # the query keeps only figures that were given
            figures[(return_id, measure_id)] = number
    return rule(measure, figures)


def combine_by_period(
    measure: Measure, returns_queryset: QuerySet[MonitoringReturn]
) -> list[tuple[str, "datetime.date", Combined]]:
    """(period label, period start, combined figure) for each period in which any of the returns gave a figure the
    measure reads, oldest first. One query for the figures, whatever the number of periods."""
    rule = _rule(measure)
    if measure.kind == K.TEXT:
        rule(measure, {})
    by_period: dict[tuple[datetime.date, str], Figures] = defaultdict(dict)
    for return_id, measure_id, number, label, starts_on in ReturnValue.objects.filter(
        monitoring_return__in=returns_queryset.order_by().values("pk"),
        measure_id__in=measures_read(measure),
        number__isnull=False,
    ).values_list(
        "monitoring_return_id",
        "measure_id",
        "number",
        "monitoring_return__period__label",
        "monitoring_return__period__starts_on",
    ):
        assert number is not None  # the query keeps only figures that were given
        by_period[(starts_on, label)][(return_id, measure_id)] = number
    return [
        (label, starts_on, rule(measure, figures))
        for (starts_on, label), figures in sorted(by_period.items())
    ]


def shown(combined: Combined) -> str:
    """The combined figure as a person reads it: "£1,250", "68.4%", "3 of 4 said yes", "1,050"; "No figure" for None."""
    value = combined.value
    if value is None:
        return "No figure"
    if combined.kind == K.MONEY:
        return format_pounds(value)
    if combined.kind == K.PERCENTAGE:
        return f"{value.normalize():f}%" if value == value.to_integral_value() else f"{value:f}%"
    if combined.kind == K.YES_NO:
        return f"{_count(value)} of {len(combined.return_ids)} said yes"
    return _count(value.normalize()) if value == value.to_integral_value() else f"{value.normalize():,f}"
