"""Reads of a service's funding as the staff pages show it: committed, paid, left to pay, and every change since."""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.money import format_pounds
from funds.models import CommitmentChange, Payment

from .models import ServiceFunding

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=12, decimal_places=2)


def with_figures(fundings: QuerySet[ServiceFunding]) -> QuerySet[ServiceFunding]:
    """Each funding with `paid` (net of corrections and repayments) and `unpaid`, and its commitment's changes read
    with it: a constant number of queries however many fundings there are."""
    paid = (
        Payment.objects.filter(commitment_id=OuterRef("commitment_id"))
        .order_by()
        .values("commitment_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        fundings.select_related(
            "commitment",
            "commitment__carried_from__line__budget__year",
            "commitment__carried_from__line__budget__stream",
        )
        .annotate(paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY))
        .annotate(unpaid=F("commitment__amount") - F("paid"))
        .prefetch_related(
            Prefetch(
                "commitment__changes",
                queryset=CommitmentChange.objects.select_related("decision", "created_by").order_by(
                    "created_at", "pk"
                ),
            )
        )
    )


def describe_change(change: CommitmentChange) -> str:
    """“Variation of +£7,500 on 3 March 2025: extra refuge spaces (PCC Decision 12/2025)”."""
    sign = "+" if change.amount > 0 else ""
    text = f"{change.get_kind_display()} of {sign}{format_pounds(change.amount)}"
    if change.created_at:
        text += f" on {change.created_at:%-d %B %Y}"
    if change.reason:
        text += f": {change.reason}"
    if change.decision is not None:
        text += f" (PCC Decision {change.decision.number})"
    return text


def changes_of(funding: ServiceFunding) -> list[str]:
    """Every change to the funding's money since it was committed, oldest first, as sentences with their reasons."""
    lines = []
    origin = funding.commitment.carried_from
    if origin is not None:
        lines.append(f"Carried forward from {origin.line.name} ({origin.line.budget})")
    lines += [describe_change(change) for change in funding.commitment.changes.all()]
    return lines
