"""Reads of what may be published. Every public page, export and API response starts from these."""

from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate

from applications.models import Award, Round
from funds.models import Area, Budget, Decision, FinancialYear, FundingStream


def published_grants(
    *,
    year: FinancialYear | int | None = None,
    stream: FundingStream | int | None = None,
    area: Area | int | None = None,
    round: Round | int | None = None,
) -> QuerySet[Award]:
    """Awards finance has approved (committed or paid). An award still awaiting finance is not yet a grant.

    `year` is a FinancialYear or its start year (2024 for 2024/25); the others are instances or primary keys."""
    qs = Award.objects.exclude(status=Award.Status.AWAITING_FINANCE).select_related(
        "application__organisation",
        "application__area",
        "application__round__budget__stream",
        "application__round__budget__year",
        "line__area",
    )
    if year is not None:
        qs = qs.filter(application__round__budget__year__start_year=getattr(year, "start_year", year))
    if stream is not None:
        qs = qs.filter(application__round__budget__stream=stream)
    if area is not None:
        qs = qs.filter(application__area=area)
    if round is not None:
        qs = qs.filter(application__round=round)
    return qs.order_by("application__round__budget__year__start_year", "application__reference")


# The public face of a grant, besides the award's `amount`. Page, downloads and API all read these names and nothing
# else, so a field not listed (a contact name, the amount asked for, an assessor's note) cannot leak through any.
PUBLIC_GRANT_FIELDS = {
    "reference": F("application__reference"),
    "recipient": F("application__organisation__name"),
    "project_title": F("application__project_title"),
    "area_id": F("application__area_id"),
    "area": F("application__area__name"),
    "stream_slug": F("application__round__budget__stream__slug"),
    "stream": F("application__round__budget__stream__name"),
    "round_slug": F("application__round__slug"),
    "round": F("application__round__name"),
    "year_start": F("application__round__budget__year__start_year"),
    # Awarded when finance approved it; the date is taken in the office's time zone.
    "award_date": TruncDate("approved_at"),
}


def public_grant_rows(grants: QuerySet[Award]) -> QuerySet:
    """`published_grants(...)` as plain dicts of public fields only, one query however many rows."""
    return grants.values("amount", **PUBLIC_GRANT_FIELDS)


def grant_totals(grants: QuerySet[Award]) -> dict:
    """How many grants and how much money, in one query: {"count": 52, "total": Decimal("415418.00")}."""
    return grants.order_by().aggregate(count=Count("pk"), total=Sum("amount"))


def published_decisions() -> QuerySet[Decision]:
    """Decisions that have been made. Callers must show confidential ones through `public_view` only."""
    # PostgreSQL puts NULL first in a descending sort; a decision with no date recorded belongs at the end instead.
    return Decision.objects.filter(status=Decision.Status.MADE).order_by(
        F("decided_on").desc(nulls_last=True), "-number"
    )


def decisions_in_year(decisions: QuerySet[Decision], start_year: int) -> QuerySet[Decision]:
    """Decisions taken in the financial year starting 1 April `start_year`, as the annual report lists them."""
    year = FinancialYear(start_year=start_year)
    return decisions.filter(decided_on__range=(year.starts_on, year.ends_on))


def with_public_budgets(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """Fetch the budgets decisions approve in one extra query, for `public_view` to list (public decisions only)."""
    return decisions.prefetch_related(
        Prefetch(
            "budgets", queryset=Budget.objects.select_related("stream", "year").order_by("-year__start_year")
        )
    )


CONFIDENTIAL_WORDING: dict[str, str] = {
    # The annual report's own words before a confidential decision's one-line description.
    Decision.Confidentiality.CONFIDENTIAL: "is a confidential decision relating to",
    Decision.Confidentiality.COMMERCIALLY_CONFIDENTIAL: "is a commercially confidential decision relating to",
}


def public_view(decision: Decision) -> dict:
    """What anyone may see of a decision. Confidential and commercially confidential decisions give their number,
    date and one-line public description, and nothing else."""
    public = decision.confidentiality == Decision.Confidentiality.PUBLIC
    if public:
        # A public decision may have no separate one-liner; its title then describes it.
        description = decision.public_description or decision.title
    else:
        # Never fall back to the title here: the title of a confidential decision is what must not be published.
        description = decision.public_description
    view: dict[str, Any] = {
        "number": decision.number,
        "decided_on": decision.decided_on,
        "confidentiality": decision.get_confidentiality_display(),
        "level": decision.confidentiality,
        "is_public": public,
        "description": description,
        # "is a confidential decision relating to …", as the annual report prints it; empty for public decisions.
        "statement": ""
        if public
        else f"{CONFIDENTIAL_WORDING[decision.confidentiality]} {description.rstrip('.')}",
    }
    if public:
        view["title"] = decision.title
        view["summary"] = decision.public_summary
        view["budgets"] = [
            {"stream": b.stream.name, "stream_slug": b.stream.slug, "year": b.year.label()}
            for b in decision.budgets.all()
        ]
    return view
