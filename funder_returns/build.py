"""Working out a funder return's figures and gaps from the rows behind them. Reads only; services.prepare_return
writes what this returns.

Which rows count:
- services: those funded (providers.ServiceFunding) from a budget line of one of the template's streams in the year;
- provider returns: the accepted returns of those services that report on the template's monitoring template, for
  its periods that fall wholly inside the funder's period (two quarters make a half year);
- payments: every ledger row dated in the period, on a line of one of the streams, committed for a commissioned
  service; corrections and repayments are rows of their own with negative amounts, so they net off the spend.
A question with a theme counts only services with that priority area (providers.Service.theme).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import format_pounds
from funds.models import FinancialYear, Payment
from providers.aggregation import combine, measures_read
from providers.models import (
    Measure,
    MonitoringReturn,
    ReportingPeriod,
    ReturnBreakdownValue,
    ReturnValue,
    Service,
    ServiceFunding,
)

from .models import FigureSource, ReturnQuestion, ReturnTemplate, Source
from .periods import Period

ACCEPTED = MonitoringReturn.Status.ACCEPTED
NOT_OPENED = "No return opened"


@dataclass(frozen=True)
class Row:
    kind: str  # FigureSource.Kind
    description: str
    amount: Decimal | None
    monitoring_return_id: int | None = None
    payment_id: int | None = None
    service_id: int | None = None


@dataclass
class Figure:
    question: ReturnQuestion
    section_heading: str
    label: str
    kind: str
    value: Decimal | None
    how: str
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Gap:
    service: Service
    period_label: str
    state: str


@dataclass
class Built:
    figures: list[Figure]
    gaps: list[Gap]
    reporting_periods: list[ReportingPeriod]


@dataclass
class _Scope:
    template: ReturnTemplate
    period: Period
    services: dict[int, Service]  # funded from the streams in the year
    accepted: list[MonitoringReturn]
    stream_ids: list[int]


def reporting_periods(template: ReturnTemplate, period: Period) -> list[ReportingPeriod]:
    """The monitoring template's periods that fall inside the funder's."""
    return list(
        ReportingPeriod.objects.filter(
            template_id=template.monitoring_template_id,
            starts_on__gte=period.starts_on,
            ends_on__lte=period.ends_on,
        ).order_by("starts_on")
    )


def build(template: ReturnTemplate, year: FinancialYear, period: Period) -> Built:
    stream_ids = list(template.streams.values_list("pk", flat=True))
    services = {
        funding.service_id: funding.service
        for funding in ServiceFunding.objects.filter(
            line__budget__year=year, line__budget__stream_id__in=stream_ids
        ).select_related("service__provider")
    }
    periods = reporting_periods(template, period)
    reporting = [s for s in services.values() if s.template_id == template.monitoring_template_id]
    returns = list(
        MonitoringReturn.objects.filter(period__in=periods, service__in=reporting).select_related(
            "period", "service__provider"
        )
    )
    scope = _Scope(template, period, services, [r for r in returns if r.status == ACCEPTED], stream_ids)
    questions = ReturnQuestion.objects.filter(section__template=template).select_related(
        "section", "measure__weighted_by", "option__breakdown__measure"
    )
    figures = [
        _figure(question, scope)
        for question in questions.order_by("section__order", "section__pk", "order", "pk")
    ]
    return Built(figures, _gaps(reporting, periods, returns), periods)


def _gaps(
    reporting: list[Service], periods: list[ReportingPeriod], returns: list[MonitoringReturn]
) -> list[Gap]:
    found = {(r.service_id, r.period_id): r for r in returns}
    gaps = []
    for service in sorted(reporting, key=lambda s: (s.provider.name, s.name)):
        for period in periods:
            ret = found.get((service.pk, period.pk))
            if ret is None:
                gaps.append(Gap(service, period.label, NOT_OPENED))
            elif ret.status != ACCEPTED:
                gaps.append(Gap(service, period.label, MonitoringReturn.Status(ret.status).label))
    return gaps


def _themed(question: ReturnQuestion, services) -> list:
    if not question.theme.strip():
        return list(services)
    theme = question.theme.strip().casefold()
    return [s for s in services if s.theme.strip().casefold() == theme]


def _only(question: ReturnQuestion) -> str:
    return f" (services with the theme “{question.theme.strip()}” only)" if question.theme.strip() else ""


def _where(ret: MonitoringReturn) -> str:
    return f"{ret.service.provider.name}, {ret.service.name}, {ret.period.label}"


def _figure(question: ReturnQuestion, scope: _Scope) -> Figure:
    made = {
        Source.MEASURE: _from_measure,
        Source.OPTION: _from_option,
        Source.SPEND: _spend,
        Source.SERVICES: _services_funded,
    }[Source(question.source)](question, scope)
    return made


def _returns_for(question: ReturnQuestion, scope: _Scope) -> list[MonitoringReturn]:
    services = {s.pk for s in _themed(question, scope.services.values())}
    return [r for r in scope.accepted if r.service_id in services]


def _figure_of(question, kind, value, how, rows) -> Figure:
    return Figure(question, question.section.heading, question.label, kind, value, how, rows)


def _from_measure(question: ReturnQuestion, scope: _Scope) -> Figure:
    measure = question.measure
    assert measure is not None  # ReturnQuestion.clean
    returns = {r.pk: r for r in _returns_for(question, scope)}
    combined = combine(measure, returns)
    read = measures_read(measure)
    given: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for return_id, measure_id, number in ReturnValue.objects.filter(
        monitoring_return_id__in=combined.return_ids, measure_id__in=[*read, measure.pk], number__isnull=False
    ).values_list("monitoring_return_id", "measure_id", "number"):
        given[return_id][measure_id] = number
    rows = []
    for return_id in sorted(combined.return_ids, key=lambda pk: _where(returns[pk])):
        numbers = given[return_id]
        text = _where(returns[return_id])
        if measure.is_recomputed:
            text += f": {_plain(numbers.get(measure.numerator_id))} of {_plain(numbers.get(measure.denominator_id))}"
        elif measure.kind == Measure.Kind.PERCENTAGE and measure.weighted_by_id in numbers:
            text += f", weighted by {_plain(numbers[measure.weighted_by_id])}"
        rows.append(
            Row(FigureSource.Kind.RETURN, text, numbers.get(measure.pk), monitoring_return_id=return_id)
        )
    said = combined.how[:1].lower() + combined.how[1:]
    how = (
        f"{measure.label}, from accepted provider returns for {scope.period.label}: {said}{_only(question)}."
    )
    if combined.value is None and not returns:
        how = f"No accepted provider return for {scope.period.label}{_only(question)}, so there is nothing to report."
    return _figure_of(question, measure.kind, combined.value, how, rows)


def _from_option(question: ReturnQuestion, scope: _Scope) -> Figure:
    option = question.option
    assert option is not None  # ReturnQuestion.clean
    returns = {r.pk: r for r in _returns_for(question, scope)}
    counts = dict(
        ReturnBreakdownValue.objects.filter(monitoring_return_id__in=returns, option=option).values_list(
            "monitoring_return_id", "count"
        )
    )
    breakdown = option.breakdown
    what = f"{breakdown.measure.label} by {breakdown.label}: {option.label}"
    rows = [
        Row(FigureSource.Kind.RETURN, _where(returns[pk]), Decimal(counts[pk]), monitoring_return_id=pk)
        for pk in sorted(counts, key=lambda pk: _where(returns[pk]))
    ]
    if not counts:
        how = f"{what}. No accepted provider return for {scope.period.label} gave it{_only(question)}."
        return _figure_of(question, Measure.Kind.COUNT, None, how, rows)
    total = Decimal(sum(counts.values()))
    how = f"{what}, sum of {_returns(len(counts))} accepted for {scope.period.label}{_only(question)}."
    return _figure_of(question, Measure.Kind.COUNT, total, how, rows)


def _spend(question: ReturnQuestion, scope: _Scope) -> Figure:
    payments = Payment.objects.filter(
        paid_on__range=(scope.period.starts_on, scope.period.ends_on),
        line__budget__stream_id__in=scope.stream_ids,
        commitment__content_type__app_label=Service._meta.app_label,
        commitment__content_type__model=Service._meta.model_name,
    )
    if question.theme.strip():
        payments = payments.filter(
            commitment__object_id__in=Service.objects.filter(theme__iexact=question.theme.strip()).values(
                "pk"
            )
        )
    payments = payments.select_related("commitment", "line__budget__stream").order_by("paid_on", "pk")
    names = _service_names([p.commitment.object_id for p in payments])
    rows = [
        Row(
            FigureSource.Kind.PAYMENT,
            f"{p.paid_on:%-d %B %Y}, {p.get_kind_display().lower()} {p.reference or 'with no reference'}: "
            f"{names.get(p.commitment.object_id, p.commitment.reference)} ({p.line.budget.stream.name})",
            p.amount,
            payment_id=p.pk,
        )
        for p in payments
    ]
    total = sum((row.amount for row in rows if row.amount is not None), Decimal(0))
    streams = ", ".join(sorted({p.line.budget.stream.name for p in payments})) or "the template's streams"
    if rows:
        how = (
            f"Payments to commissioned services from {streams} dated {scope.period.starts_on:%-d %B %Y} to "
            f"{scope.period.ends_on:%-d %B %Y}: {_payments(len(rows))}, corrections and repayments netted off, "
            f"{format_pounds(total)} in all{_only(question)}."
        )
    else:
        how = f"No payments to commissioned services in {scope.period.label}{_only(question)}."
    return _figure_of(question, Measure.Kind.MONEY, total, how, rows)


def _services_funded(question: ReturnQuestion, scope: _Scope) -> Figure:
    services = sorted(_themed(question, scope.services.values()), key=lambda s: (s.provider.name, s.name))
    rows = [
        Row(
            FigureSource.Kind.SERVICE, f"{s.provider.name}, {s.name} ({s.theme})", Decimal(1), service_id=s.pk
        )
        for s in services
    ]
    how = f"Services funded from the template's streams in {scope.period.label.split()[-1]}{_only(question)}."
    return _figure_of(question, Measure.Kind.COUNT, Decimal(len(services)), how, rows)


def _service_names(ids) -> dict[int, str]:
    return {
        pk: f"{provider}, {name}"
        for pk, provider, name in Service.objects.filter(pk__in=set(ids)).values_list(
            "pk", "provider__name", "name"
        )
    }


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "nothing"
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,}"


def _returns(n: int) -> str:
    return f"{n} return" if n == 1 else f"{n} returns"


def _payments(n: int) -> str:
    return f"{n} payment" if n == 1 else f"{n} payments"
