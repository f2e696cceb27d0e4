"""Reads of budget control figures: allocated, committed, paid and remaining, all by database aggregate.

Each total is a correlated subquery rather than a join, so a budget with many lines and commitments is still one row
and one query, however much data it holds.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import MONEY, Budget, BudgetEntry, BudgetLine, Commitment, FinancialYear, Office, Payment

ZERO = Value(Decimal("0.00"), output_field=DecimalField(**MONEY))


def _sum(queryset: QuerySet, field: str) -> Coalesce:
    summed = queryset.order_by().annotate(_g=Value(1)).values("_g").annotate(s=Sum(field)).values("s")
    return Coalesce(Subquery(summed, output_field=DecimalField(**MONEY)), ZERO)


def _live_commitments():
    return Commitment.objects.filter(released_at__isnull=True)


def with_line_totals(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    committed = _sum(_live_commitments().filter(line=OuterRef("pk")), "amount")
    paid = _sum(Payment.objects.filter(commitment__line=OuterRef("pk")), "amount")
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
    paid = _sum(Payment.objects.filter(commitment__line__budget=OuterRef("pk")), "amount")
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
    row = with_budget_totals(Budget.objects.filter(pk=budget_id)).values("pot", "allocated", "committed", "paid").get()
    return BudgetTotals(**row)


def line_committed(line_id: int) -> Decimal:
    return _live_commitments().filter(line_id=line_id).aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]


def budget_committed(budget_id: int) -> Decimal:
    return _live_commitments().filter(line__budget_id=budget_id).aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]


def commitment_paid(commitment_id: int) -> Decimal:
    return Payment.objects.filter(commitment_id=commitment_id).aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]


def current_office() -> Office | None:
    return Office.objects.order_by("pk").first()


def year_from_label(label: str) -> FinancialYear:
    """The stored year for "2024/25" (or "24-25", "2024-25"); FinancialYear.DoesNotExist if it was never set up."""
    return FinancialYear.objects.get(start_year=FinancialYear.start_year_from_label(label))
