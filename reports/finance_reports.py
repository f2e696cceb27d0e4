"""Finance's reports for a financial year: budget against actual and forecast spend by quarter, commitments not yet
paid by age, and the year's spend on commissioned services reconciled to the payments ledger.

Reads only, a fixed number of queries whatever the volume: every figure is a database aggregate grouped by stream.

- Quarters: Q1 April to June, Q2 July to September, Q3 October to December, Q4 January to March.
- Actual: payments (net of corrections and repayments) dated in the quarter, by the stream of the line paid from,
  whichever year's budget that line is in.
- Forecast: actual, plus the scheduled payments not yet made that fall due in the quarter: an award's instalments
  (an instalment with no due date is due on acceptance, so it counts in the quarter the award was approved) while the
  award is approved and not yet paid in full, closed or cancelled; and a commissioned service's scheduled payments
  while its funding is not released. A scheduled payment that fell due in a past quarter and is still unpaid stays
  in that quarter, shown as overdue.
- Budget: the stream's pot for the year.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from applications.models import Award, AwardPayment
from funds import selectors
from funds.models import MONEY, Budget, Commitment, FinancialYear, FundingStream, Payment
from providers.models import PaymentScheduleItem, Service

ZERO = Decimal("0.00")
QUARTER_NAMES = ("Q1 April to June", "Q2 July to September", "Q3 October to December", "Q4 January to March")
NO_STREAM = "Scheduled payments with no budget line"
# An award's instalments still to be paid: it is approved (committed), not paid in full, closed or cancelled.
AWARD_OWES = (Award.Status.COMMITTED,)


def quarters(year: FinancialYear) -> list[tuple[datetime.date, datetime.date]]:
    """The year's four quarters as (first day, last day)."""
    y = year.start_year
    return [
        (datetime.date(y, 4, 1), datetime.date(y, 6, 30)),
        (datetime.date(y, 7, 1), datetime.date(y, 9, 30)),
        (datetime.date(y, 10, 1), datetime.date(y, 12, 31)),
        (datetime.date(y + 1, 1, 1), datetime.date(y + 1, 3, 31)),
    ]


def _money_sum(column: str, **filters: object) -> Coalesce:
    return Coalesce(Sum(column, filter=Q(**filters)), Value(ZERO, DecimalField(**MONEY)))


def _by_quarter(
    queryset: QuerySet, *, date: str, amount: str, group: str, year: FinancialYear
) -> dict[int | None, list[Decimal]]:
    """group value -> [sum in Q1, Q2, Q3, Q4], one query."""
    sums = {
        f"q{n}": _money_sum(amount, **{f"{date}__range": bounds})
        for n, bounds in enumerate(quarters(year), start=1)
    }
    rows = queryset.filter(**{f"{date}__range": (year.starts_on, year.ends_on)}).order_by().values(group)
    return {row[group]: [row[f"q{n}"] for n in range(1, 5)] for row in rows.annotate(**sums)}


@dataclass
class QuarterFigures:
    name: str
    actual: Decimal = ZERO
    scheduled: Decimal = ZERO  # not yet paid, due in the quarter
    overdue: Decimal = ZERO  # of which the quarter has ended

    @property
    def forecast(self) -> Decimal:
        return self.actual + self.scheduled


@dataclass
class StreamQuarters:
    name: str
    budget: Decimal | None  # None: the stream has no budget this year
    quarters: list[QuarterFigures] = field(default_factory=list)

    @property
    def actual(self) -> Decimal:
        return sum((q.actual for q in self.quarters), ZERO)

    @property
    def forecast(self) -> Decimal:
        return sum((q.forecast for q in self.quarters), ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum((q.overdue for q in self.quarters), ZERO)

    @property
    def forecast_left(self) -> Decimal | None:
        """The budget less the forecast: negative when the year is forecast to spend more than the pot."""
        return None if self.budget is None else self.budget - self.forecast


def _blank_quarters() -> list[QuarterFigures]:
    return [QuarterFigures(name) for name in QUARTER_NAMES]


def budget_against_quarters(
    year: FinancialYear, *, today: datetime.date
) -> tuple[list[StreamQuarters], StreamQuarters]:
    """Each stream with a budget this year, or spend or scheduled payments in it, then the year's total. Four
    queries: budgets, payments, award instalments and services' scheduled payments."""
    budgets = list(selectors.budgets_for_year(year).order_by("stream__report_order", "stream__name"))
    streams: dict[int | None, StreamQuarters] = {
        b.stream_id: StreamQuarters(b.stream.name, b.pot) for b in budgets
    }

    actual = _by_quarter(
        Payment.objects.all(), date="paid_on", amount="amount", group="line__budget__stream_id", year=year
    )
    instalments = AwardPayment.objects.filter(payment__isnull=True, award__status__in=AWARD_OWES).annotate(
        due=Coalesce("due_on", TruncDate("award__approved_at"), output_field=DateField())
    )
    award_due = _by_quarter(
        instalments, date="due", amount="amount", group="award__line__budget__stream_id", year=year
    )
    schedule = PaymentScheduleItem.objects.filter(payment__isnull=True).filter(
        Q(funding__isnull=True) | Q(funding__commitment__released_at__isnull=True)
    )
    service_due = _by_quarter(
        schedule, date="due_on", amount="amount", group="funding__line__budget__stream_id", year=year
    )

    missing = (set(actual) | set(award_due) | set(service_due)) - set(streams)
    names = dict(FundingStream.objects.filter(pk__in=[pk for pk in missing if pk]).values_list("pk", "name"))
    for stream_id in sorted(missing, key=lambda pk: (pk is None, names.get(pk, ""))):
        streams[stream_id] = StreamQuarters(names.get(stream_id, NO_STREAM), None)

    total = StreamQuarters("All streams", sum((b.pot for b in budgets), ZERO), _blank_quarters())
    bounds = quarters(year)
    for stream_id, row in streams.items():
        row.quarters = _blank_quarters()
        for n, quarter in enumerate(row.quarters):
            quarter.actual = actual.get(stream_id, [ZERO] * 4)[n]
            quarter.scheduled = (
                award_due.get(stream_id, [ZERO] * 4)[n] + service_due.get(stream_id, [ZERO] * 4)[n]
            )
            quarter.overdue = quarter.scheduled if bounds[n][1] < today else ZERO
            total.quarters[n].actual += quarter.actual
            total.quarters[n].scheduled += quarter.scheduled
            total.quarters[n].overdue += quarter.overdue
    return list(streams.values()), total


# --- Commitments not yet paid, by age -------------------------------------------------------------------------------

AGE_BANDS = ("0 to 3 months", "3 to 6 months", "6 to 12 months", "Over 12 months")


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


@dataclass
class AgeBand:
    name: str
    count: int = 0
    amount: Decimal = ZERO


@dataclass
class StreamAges:
    name: str
    bands: list[AgeBand]

    @property
    def count(self) -> int:
        return sum(b.count for b in self.bands)

    @property
    def amount(self) -> Decimal:
        return sum((b.amount for b in self.bands), ZERO)


def _bands() -> list[AgeBand]:
    return [AgeBand(name) for name in AGE_BANDS]


def unpaid_by_age(year: FinancialYear, *, today: datetime.date) -> tuple[list[StreamAges], StreamAges]:
    """Live commitments against the year's budgets with money still to pay, by how long ago the commitment was made
    (one carried forward from last year is aged from the commitment it continues), counted and added up per stream.
    A commitment made exactly 3 months ago is in "3 to 6 months". Two queries."""
    cut = {m: months_before(today, m) for m in (3, 6, 12)}
    paid = (
        Payment.objects.filter(commitment=OuterRef("pk"))
        .order_by()
        .annotate(_g=Value(1))
        .values("_g")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    made_on = TruncDate(Coalesce("carried_from__created_at", "created_at"))
    band = Case(
        When(made_on__gt=cut[3], then=Value(0)),
        When(made_on__gt=cut[6], then=Value(1)),
        When(made_on__gt=cut[12], then=Value(2)),
        default=Value(3),
    )
    rows = (
        Commitment.objects.filter(line__budget__year=year, released_at__isnull=True)
        .annotate(
            unpaid=F("amount") - Coalesce(Subquery(paid, output_field=DecimalField(**MONEY)), Value(ZERO)),
            made_on=made_on,
        )
        .filter(unpaid__gt=0)
        .annotate(band=band)
        .order_by()
        .values("line__budget__stream_id", "band")
        .annotate(n=Count("pk"), owed=Sum("unpaid"))
    )
    streams = {
        b.stream_id: StreamAges(b.stream.name, _bands())
        for b in Budget.objects.filter(year=year)
        .select_related("stream")
        .order_by("stream__report_order", "stream__name")
    }
    total = StreamAges("All streams", _bands())
    for row in rows:
        for target in (streams[row["line__budget__stream_id"]], total):
            target.bands[row["band"]].count += row["n"]
            target.bands[row["band"]].amount += row["owed"]
    return list(streams.values()), total


# --- Spend on commissioned services ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommissionedSpend:
    """The year's payments split by what their commitment was made for. `services` is the headline figure; it is
    worked out as the total less the other two, so the table that prints the three always adds up to the ledger."""

    total: Decimal  # every payment dated in the year: funds.selectors.paid_in_year
    awards: Decimal  # on commitments made for grant awards
    other: Decimal  # on commitments made for nothing else recorded (or anything but an award or a service)
    services_counted: Decimal  # on commitments made for commissioned services, added up on their own

    @property
    def services(self) -> Decimal:
        return self.total - self.awards - self.other

    @property
    def reconciles(self) -> bool:
        return self.services == self.services_counted


def _made_for(model: type[Model]) -> Q:
    # Joined by app label and model name rather than by a content type looked up first, so the figure is one query
    # whether or not Django has cached the content types.
    return Q(
        commitment__content_type__app_label=model._meta.app_label,
        commitment__content_type__model=model._meta.model_name,
    )


def commissioned_spend(year: FinancialYear) -> CommissionedSpend:
    """The year's payments split by what they were committed for. One query."""
    for_service, for_award = _made_for(Service), _made_for(Award)
    money = Value(ZERO, DecimalField(**MONEY))
    figures = Payment.objects.filter(paid_on__range=(year.starts_on, year.ends_on)).aggregate(
        total=Coalesce(Sum("amount"), money),
        awards=Coalesce(Sum("amount", filter=for_award), money),
        services=Coalesce(Sum("amount", filter=for_service), money),
        other=Coalesce(
            Sum("amount", filter=Q(commitment__content_type__isnull=True) | (~for_award & ~for_service)),
            money,
        ),
    )
    return CommissionedSpend(
        total=figures["total"],
        awards=figures["awards"],
        other=figures["other"],
        services_counted=figures["services"],
    )


def commissioned_spend_by_stream(year: FinancialYear) -> dict[int, Decimal]:
    """Stream id -> payments dated in the year on commitments made for commissioned services, by the stream of the
    line paid from (whichever year's budget it is in), so the streams add up to commissioned_spend's own count. One
    query."""
    return dict(
        Payment.objects.filter(_made_for(Service), paid_on__range=(year.starts_on, year.ends_on))
        .order_by()
        .values_list("line__budget__stream_id")
        .annotate(s=Sum("amount"))
    )


@dataclass
class FinanceReports:
    year: FinancialYear
    today: datetime.date
    quarters: list[StreamQuarters]
    quarters_total: StreamQuarters
    ages: list[StreamAges]
    ages_total: StreamAges
    spend: CommissionedSpend
    quarter_names: tuple = QUARTER_NAMES
    age_bands: tuple = AGE_BANDS


def finance_reports(year: FinancialYear, *, today: datetime.date) -> FinanceReports:
    streams, total = budget_against_quarters(year, today=today)
    ages, ages_total = unpaid_by_age(year, today=today)
    return FinanceReports(year, today, streams, total, ages, ages_total, commissioned_spend(year))
