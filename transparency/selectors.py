"""Reads of what may be published. Every public page, export and API response starts from these."""

from django.db.models import QuerySet

from applications.models import Award
from funds.models import Decision


def published_grants(*, year=None, stream=None, area=None, round=None) -> QuerySet[Award]:
    """Awards finance has approved (committed or paid). An award still awaiting finance is not yet a grant."""
    qs = Award.objects.exclude(status=Award.Status.AWAITING_FINANCE).select_related(
        "application__organisation",
        "application__area",
        "application__round__budget__stream",
        "application__round__budget__year",
        "line__area",
    )
    if year is not None:
        qs = qs.filter(application__round__budget__year=year)
    if stream is not None:
        qs = qs.filter(application__round__budget__stream=stream)
    if area is not None:
        qs = qs.filter(application__area=area)
    if round is not None:
        qs = qs.filter(application__round=round)
    return qs.order_by("application__round__budget__year__start_year", "application__reference")


def published_decisions() -> QuerySet[Decision]:
    """Decisions that have been made. Callers must show confidential ones through `public_view` only."""
    return Decision.objects.filter(status=Decision.Status.MADE).order_by("-decided_on", "-number")


def public_view(decision: Decision) -> dict:
    """What anyone may see of a decision. Confidential and commercially confidential decisions give their number,
    date and one-line public description, and nothing else."""
    public = decision.confidentiality == Decision.Confidentiality.PUBLIC
    view = {
        "number": decision.number,
        "decided_on": decision.decided_on,
        "confidentiality": decision.get_confidentiality_display(),
        "is_public": public,
        "description": decision.public_description or decision.title if public else decision.public_description,
    }
    if public:
        view["title"] = decision.title
        view["summary"] = decision.public_summary
    return view
