"""What the staff dashboard shows for a financial year. Reads only; one query per concern, never one per row.

- budgets: funds.selectors.budgets_for_year (pot, allocated, committed, paid, remaining per stream);
- areas: funds.selectors.area_totals_for_year (the same line subqueries, added up by area);
- applications: counts and amounts requested by status over the year's rounds;
- monitoring returns: due in the next 30 days, and late (past their due date and not yet in), across all years.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from applications.models import Application, Status
from core.charts import grouped_bar_chart
from funds import selectors
from funds.models import Budget, FinancialYear
from providers.models import MonitoringReturn

DUE_WITHIN_DAYS = 30


@dataclass(frozen=True)
class PotDifference:
    """The row that makes a stream's area rows add up to its total: what the lines leave of the pot unallocated, or
    (negative) how far they promise more than the pot holds.

    An area row's "left to commit" is its lines less what is committed against them; the stream's is its pot less
    what is committed, because a commitment needs room on its line and in the pot (funds.services.commit_to_line).
    The two differ by exactly pot - allocated, so this row shows it instead of leaving the columns not to add up."""

    amount: Decimal

    @property
    def name(self) -> str:
        if self.amount < 0:
            return "Lines allocate more than the pot"
        return "In the pot but not yet allocated to a line"

    @property
    def remaining(self) -> Decimal:
        return self.amount


@dataclass
class StreamSection:
    budget: Budget
    areas: list[selectors.AreaTotals]
    chart: dict

    @property
    def pot_difference(self) -> PotDifference | None:
        difference = self.budget.pot - self.budget.allocated
        return PotDifference(difference) if difference else None

    @property
    def remaining_by_row(self) -> list[Decimal]:
        """Each row's "left to commit" as the table prints them: they add up to the stream's."""
        difference = self.pot_difference
        return [a.remaining for a in self.areas] + ([difference.remaining] if difference else [])


@dataclass
class PipelineRow:
    status: str
    label: str
    applications: int = 0
    requested: Decimal = Decimal("0.00")


@dataclass
class Pipeline:
    rows: list[PipelineRow]
    round_ids: set[int] = field(default_factory=set)

    @property
    def applications(self) -> int:
        return sum(r.applications for r in self.rows)

    @property
    def requested(self) -> Decimal:
        return sum((r.requested for r in self.rows), Decimal("0.00"))

    @property
    def single_round_id(self) -> int | None:
        # The staff list filters by one round at a time: when the year has one round with applications, the links
        # carry it, so the list shows exactly the applications counted here.
        return next(iter(self.round_ids)) if len(self.round_ids) == 1 else None


@dataclass
class ReturnsDue:
    due: int
    late: int
    today: datetime.date
    due_by: datetime.date


def all_streams(budgets: list[Budget]) -> selectors.BudgetTotals:
    """The year's streams added up, from the rows budgets_for_year has already read."""
    zero = Decimal("0.00")
    return selectors.BudgetTotals(
        *(sum((getattr(b, f) for b in budgets), zero) for f in ("pot", "allocated", "committed", "paid"))
    )


def stream_sections(year: FinancialYear, budgets: list[Budget]) -> list[StreamSection]:
    by_budget = selectors.area_totals_for_year(year)
    sections = []
    for budget in budgets:
        areas = by_budget.get(budget.pk, [])
        groups = [
            (a.name, {"allocated": a.allocated, "committed": a.committed, "paid": a.paid}) for a in areas
        ]
        sections.append(
            StreamSection(budget, areas, grouped_bar_chart(groups, id_prefix=f"budget-{budget.pk}"))
        )
    return sections


def pipeline(year: FinancialYear) -> Pipeline:
    """Submitted applications in the year's rounds by status, in the workflow's order. Drafts are the applicants' own
    until they are sent, so they are not counted (the staff list does not show them either)."""
    rows = {s: PipelineRow(s.value, s.label) for s in Status if s != Status.DRAFT}
    round_ids = set()
    counted = (
        Application.objects.filter(round__budget__year=year)
        .exclude(status=Status.DRAFT)
        .order_by()
        .values("status", "round_id")
        .annotate(n=Count("*"), requested=Sum("amount_requested"))
    )
    for row in counted:
        target = rows[Status(row["status"])]
        target.applications += row["n"]
        target.requested += row["requested"] or Decimal("0.00")
        round_ids.add(row["round_id"])
    return Pipeline(list(rows.values()), round_ids)


def returns_due(today: datetime.date) -> ReturnsDue:
    """Returns not yet in (not started, in progress, waiting for sign-off, changes requested): those due from today
    to 30 days ahead, and those whose due date has passed. One query."""
    due_by = today + datetime.timedelta(days=DUE_WITHIN_DAYS)
    counts = MonitoringReturn.objects.filter(status__in=MonitoringReturn.OPEN).aggregate(
        due=Count("pk", filter=Q(period__due_on__range=(today, due_by))),
        late=Count("pk", filter=Q(period__due_on__lt=today)),
    )
    return ReturnsDue(counts["due"], counts["late"], today, due_by)
