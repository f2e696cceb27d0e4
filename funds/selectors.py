"""Reads of budget control figures: allocated, committed, paid and remaining, all by database aggregate.

Each total is a correlated subquery rather than a join, so a budget with many lines and commitments is still one row
and one query, however much data it holds.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import MONEY, Budget, BudgetEntry, BudgetLine, Commitment, FinancialYear, Office, Payment

ZERO = Value(Decimal("0.00"), output_field=DecimalField(**MONEY))


def _sum(queryset: QuerySet, field: str) -> Coalesce:
    summed = queryset.order_by().annotate(_g=Value(1)).values("_g").annotate(s=Sum(field)).values("s")
    return Coalesce(Subquery(summed, output_field=DecimalField(**MONEY)), ZERO)


def _live_commitments() -> QuerySet[Commitment]:
    return Commitment.objects.filter(released_at__isnull=True)


def with_line_totals(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    committed = _sum(_live_commitments().filter(line=OuterRef("pk")), "amount")
    paid = _sum(Payment.objects.filter(line=OuterRef("pk")), "amount")
    projects = Subquery(
        _live_commitments()
        .filter(line=OuterRef("pk"))
        .order_by()
        .annotate(_g=Value(1))
        .values("_g")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return lines.annotate(
        committed=committed,
        paid=paid,
        remaining=F("amount") - committed,
        commitment_count=Coalesce(projects, Value(0)),
    )


def with_budget_totals(budgets: QuerySet[Budget]) -> QuerySet[Budget]:
    pot = _sum(BudgetEntry.objects.filter(budget=OuterRef("pk")), "amount")
    allocated = _sum(BudgetLine.objects.filter(budget=OuterRef("pk")), "amount")
    committed = _sum(_live_commitments().filter(line__budget=OuterRef("pk")), "amount")
    paid = _sum(Payment.objects.filter(line__budget=OuterRef("pk")), "amount")
    return budgets.annotate(
        pot=pot,
        allocated=allocated,
        committed=committed,
        paid=paid,
        unallocated=pot - allocated,
        remaining=pot - committed,
    ).annotate(overallocated=Q(allocated__gt=F("pot")))


def budgets_for_year(year: FinancialYear) -> QuerySet[Budget]:
    return with_budget_totals(Budget.objects.filter(year=year).select_related("stream", "year"))


@dataclass(frozen=True)
class BudgetTotals:
    pot: Decimal
    allocated: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def unallocated(self) -> Decimal:
        return self.pot - self.allocated

    @property
    def remaining(self) -> Decimal:
        return self.pot - self.committed

    @property
    def overallocated_by(self) -> Decimal:
        return max(self.allocated - self.pot, Decimal("0.00"))


def budget_totals(budget_id: int) -> BudgetTotals:
    row = (
        with_budget_totals(Budget.objects.filter(pk=budget_id))
        # These are with_budget_totals' annotations, which django-stubs cannot see through the function.
        .values("pot", "allocated", "committed", "paid")  # type: ignore[misc]
        .get()
    )
    return BudgetTotals(**row)


def line_committed(line_id: int) -> Decimal:
    return _live_commitments().filter(line_id=line_id).aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]


def budget_committed(budget_id: int) -> Decimal:
    return (
        _live_commitments().filter(line__budget_id=budget_id).aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]
    )


def commitment_paid(commitment_id: int) -> Decimal:
    return Payment.objects.filter(commitment_id=commitment_id).aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]


def current_office() -> Office | None:
    return Office.objects.order_by("pk").first()


def year_from_label(label: str) -> FinancialYear:
    """The stored year for "2024/25" (or "24-25", "2024-25"). ValueError, with a message for the person who typed
    it, if the label is malformed or the year was never set up."""
    try:
        return FinancialYear.objects.get(start_year=FinancialYear.start_year_from_label(label))
    except FinancialYear.DoesNotExist:
        raise ValueError(f"There is no {label.strip()} financial year set up.") from None


# --- Per-area figures (the staff dashboard) -------------------------------------------------------------------------

FORCE_WIDE = "Force-wide and central"


@dataclass
class AreaTotals:
    """A budget's lines for one area added up; lines with no area (reserves, force-wide commissioning, priorities)
    share one row named FORCE_WIDE."""

    area_id: int | None
    name: str
    allocated: Decimal = Decimal("0.00")
    committed: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    lines: int = 0

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.committed


def area_totals_for_year(year: FinancialYear) -> dict[int, list[AreaTotals]]:
    """Budget id -> its lines added up by area, named areas by name then force-wide and central last. One query: the
    line figures are with_line_totals' subqueries, so they are the same numbers the budget pages show."""
    # "committed" and "paid" are with_line_totals' annotations, which django-stubs cannot see through the function.
    rows = with_line_totals(BudgetLine.objects.filter(budget__year=year)).values_list(  # type: ignore[misc]
        "budget_id", "area_id", "area__name", "amount", "committed", "paid"
    )
    by_budget: dict[int, dict[int | None, AreaTotals]] = {}
    for budget_id, area_id, area_name, amount, committed, paid in rows.order_by():
        areas = by_budget.setdefault(budget_id, {})
        totals = areas.get(area_id) or areas.setdefault(area_id, AreaTotals(area_id, area_name or FORCE_WIDE))
        totals.allocated += amount
        totals.committed += committed
        totals.paid += paid
        totals.lines += 1
    return {
        budget_id: sorted(areas.values(), key=lambda a: (a.area_id is None, a.name.casefold()))
        for budget_id, areas in by_budget.items()
    }


def years_with_budget_flag() -> list[FinancialYear]:
    """Every financial year, newest first, each with `has_budgets`: the year picker and its default in one query."""
    return list(
        FinancialYear.objects.annotate(
            has_budgets=Exists(Budget.objects.filter(year=OuterRef("pk")))
        ).order_by("-start_year")
    )


def committed_in_year(year: FinancialYear) -> Decimal:
    """Live commitments against the year's budgets: the same total as adding up budgets_for_year's `committed`."""
    return _live_commitments().filter(line__budget__year=year).aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]


def paid_in_year(year: FinancialYear) -> Decimal:
    """Payments dated 1 April to 31 March of the year, whichever year's budget they were committed from."""
    return Payment.objects.filter(paid_on__range=(year.starts_on, year.ends_on)).aggregate(
        s=Coalesce(Sum("amount"), ZERO)
    )["s"]


# --- Closed years ---------------------------------------------------------------------------------------------------


def year_is_closed(year_id: int) -> bool:
    return FinancialYear.objects.filter(pk=year_id, closed_at__isnull=False).exists()


def open_line_like(line: BudgetLine, *, on: datetime.date) -> BudgetLine | None:
    """The line matching `line` (same kind, area and name) in its stream's budget for the financial year containing
    `on`, if that year is open; else None. Work that belongs to a later year, such as a reserve award approved after
    the year end, lands here instead of changing a closed year's figures."""
    return (
        BudgetLine.objects.filter(
            budget__stream_id=line.budget.stream_id,
            budget__year__start_year=FinancialYear.containing(on),
            budget__year__closed_at__isnull=True,
            kind=line.kind,
            area=line.area,
            name=line.name,
        )
        .select_related("budget__stream", "budget__year")
        .order_by("section__order", "order", "pk")
        .first()
    )


# --- What was paid on a commitment and the commitments it was carried into or from ------------------------------


class PaidOnCommitmentChain(Func):
    """Net paid (payments less corrections and repayments) on a commitment and on every commitment in its chain of
    carrying forward (Commitment.carried_from, both ways), as an annotation on any row that holds a commitment id:
    `Award.objects.annotate(paid=PaidOnCommitmentChain("commitment_id"))`. One correlated subquery, so a list's
    query count does not grow with its rows. Takes a column (it is written into the SQL twice)."""

    _commitment, _payment = Commitment._meta.db_table, Payment._meta.db_table
    template = (
        f"(WITH RECURSIVE back(id, from_id) AS ("
        f"SELECT c.id, c.carried_from_id FROM {_commitment} c WHERE c.id = %(expressions)s "
        f"UNION SELECT c.id, c.carried_from_id FROM {_commitment} c JOIN back ON c.id = back.from_id), "
        f"onward(id) AS (SELECT c.id FROM {_commitment} c WHERE c.id = %(expressions)s "
        f"UNION SELECT c.id FROM {_commitment} c JOIN onward ON c.carried_from_id = onward.id) "
        f"SELECT COALESCE(SUM(p.amount), 0) FROM {_payment} p "
        f"WHERE p.commitment_id IN (SELECT id FROM back UNION SELECT id FROM onward))"
    )
    output_field = DecimalField(**MONEY)


# --- Scheduled instalments (award instalments and a service's payment schedule) -------------------------------------


@dataclass(frozen=True)
class InstalmentState:
    """Where a scheduled instalment stands, as a GOV.UK tag shows it."""

    code: str
    label: str
    tag_class: str


NOT_YET_DUE = InstalmentState("not_yet_due", "Not yet due", "govuk-tag--grey")
DUE = InstalmentState("due", "Due", "govuk-tag--blue")
OVERDUE = InstalmentState("overdue", "Overdue", "govuk-tag--red")
PAID = InstalmentState("paid", "Paid", "govuk-tag--green")


def payment_terms_days() -> int:
    """The office's payment terms: an instalment unpaid this many days after it fell due is overdue."""
    return (current_office() or Office()).payment_terms_days


def instalment_state_on(
    *, due_on: datetime.date, paid: bool, today: datetime.date, terms_days: int | None = None
) -> InstalmentState:
    """Paid once finance has paid it; before its due date not yet due; then due, for the office's payment terms;
    overdue after that."""
    if paid:
        return PAID
    if today < due_on:
        return NOT_YET_DUE
    days = payment_terms_days() if terms_days is None else terms_days
    if today > due_on + datetime.timedelta(days=days):
        return OVERDUE
    return DUE
