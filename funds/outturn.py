"""A financial year's outturn: for every budget line of the year, what it had, what was promised and paid from it,
what came back, what moved into the next year and what is left; added up by stream, by area and for the year.

Two queries, however many lines, commitments and payments there are: the year's budgets, then its lines, each line's
figures a correlated subquery summed by the database (as funds.selectors does), so nothing is read line by line.

The figures of a line (all Decimal, pounds and pence):

- budget: the line's amount plus what was carried forward out of it. funds.services.carry_forward lowers the line by
  what it moves into the next year, so this is the line's budget before carrying forward.
- committed: its live commitments (not released), each at its current amount: the original plus every variation,
  underspend, repayment and carry-forward recorded against it.
- paid: payments on the line dated 1 April to 31 March of the year, net of corrections and of money paid back.
- released: money given back to the line without being spent. The whole amount of each released commitment (only an
  unpaid commitment can be released, so all of it came back) plus every underspend released at the end of a grant or
  contract. Released money is part of the variance: it stays in the line's budget, unused.
- carried forward: what was moved into the next year's budget (the carried-forward changes, as a positive number).
- unpaid: committed and not yet paid at the year's end, that is live commitments less what was paid on them up to
  31 March. A payment made after the year's end is not in `paid` (it is next year's spend), so it stays here.
- variance: budget - paid - carried forward - unpaid, what is left unused.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import (
    MONEY,
    Budget,
    BudgetLine,
    Commitment,
    CommitmentChange,
    FinancialYear,
    FundingStream,
    Payment,
)
from .selectors import FORCE_WIDE

ZERO = Decimal("0.00")
FIGURES = ("budget", "committed", "paid", "released", "carried_forward", "unpaid")


def _summed(queryset: QuerySet, column: str = "amount") -> Coalesce:
    total = queryset.order_by().annotate(_g=Value(1)).values("_g").annotate(s=Sum(column)).values("s")
    return Coalesce(Subquery(total, output_field=DecimalField(**MONEY)), Value(ZERO, DecimalField(**MONEY)))


@dataclass
class OutturnFigures:
    budget: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    released: Decimal = ZERO
    carried_forward: Decimal = ZERO
    unpaid: Decimal = ZERO

    @property
    def variance(self) -> Decimal:
        """What is left unused: the budget less what was paid in the year, carried forward or is still owed."""
        return self.budget - self.paid - self.carried_forward - self.unpaid

    def add(self, other: "OutturnFigures") -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Decimal]:
        return {**{name: getattr(self, name) for name in FIGURES}, "variance": self.variance}


@dataclass
class LineOutturn:
    line: BudgetLine
    figures: OutturnFigures


@dataclass
class StreamOutturn:
    budget: Budget
    lines: list[LineOutturn] = field(default_factory=list)
    total: OutturnFigures = field(default_factory=OutturnFigures)

    @property
    def stream(self) -> FundingStream:
        return self.budget.stream


@dataclass
class AreaOutturn:
    """The year's lines for one area, across streams; lines with no area share one row named FORCE_WIDE."""

    area_id: int | None
    name: str
    lines: int = 0
    total: OutturnFigures = field(default_factory=OutturnFigures)


@dataclass
class Outturn:
    year: FinancialYear
    streams: list[StreamOutturn]
    areas: list[AreaOutturn]
    total: OutturnFigures

    @property
    def lines(self) -> list[LineOutturn]:
        return [line for stream in self.streams for line in stream.lines]


def with_outturn(lines: QuerySet[BudgetLine], year: FinancialYear) -> QuerySet[BudgetLine]:
    """`lines` with each outturn figure of `year` annotated, under the names of OutturnFigures' fields (budget as
    `outturn_budget`, since a line's `amount` is after carrying forward)."""
    on_line = {"line": OuterRef("pk")}
    live = Commitment.objects.filter(released_at__isnull=True, **on_line)
    changes = CommitmentChange.objects.filter(commitment__line=OuterRef("pk"))
    carried = -_summed(changes.filter(kind=CommitmentChange.Kind.CARRIED_FORWARD))
    return lines.annotate(
        committed=_summed(live),
        paid_in_year=_summed(
            Payment.objects.filter(paid_on__range=(year.starts_on, year.ends_on), **on_line)
        ),
        paid_by_year_end=_summed(
            Payment.objects.filter(commitment__released_at__isnull=True, paid_on__lte=year.ends_on, **on_line)
        ),
        released_whole=_summed(Commitment.objects.filter(released_at__isnull=False, **on_line)),
        underspent=-_summed(changes.filter(kind=CommitmentChange.Kind.UNDERSPEND)),
        carried_forward=carried,
    )


def outturn_for_year(year: FinancialYear) -> Outturn:
    budgets = list(
        Budget.objects.filter(year=year)
        .select_related("stream", "year")
        .order_by("stream__report_order", "stream__name", "pk")
    )
    streams = {b.pk: StreamOutturn(b) for b in budgets}
    areas: dict[int | None, AreaOutturn] = {}
    total = OutturnFigures()
    lines = with_outturn(
        BudgetLine.objects.filter(budget__year=year).select_related("area", "section"), year
    ).order_by("budget_id", "section__order", "order", "pk")
    for line in lines:
        figures = OutturnFigures(
            budget=line.amount + line.carried_forward,
            committed=line.committed,
            paid=line.paid_in_year,
            released=line.released_whole + line.underspent,
            carried_forward=line.carried_forward,
            unpaid=line.committed - line.paid_by_year_end,
        )
        stream = streams[line.budget_id]
        stream.lines.append(LineOutturn(line, figures))
        stream.total.add(figures)
        area = areas.get(line.area_id) or areas.setdefault(
            line.area_id, AreaOutturn(line.area_id, line.area.name if line.area else FORCE_WIDE)
        )
        area.lines += 1
        area.total.add(figures)
        total.add(figures)
    return Outturn(
        year=year,
        streams=list(streams.values()),
        areas=sorted(areas.values(), key=lambda a: (a.area_id is None, a.name.casefold())),
        total=total,
    )
