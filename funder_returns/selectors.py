"""Reads of funder returns shared by the pages, the workbook and the reports."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from audit.selectors import trail_of

from .models import FigureSource, FunderReturn, FunderReturnFigure, ReturnTemplate

# The audit actions services records (named here too: selectors sits below services, which imports build).
PREPARED = "funder_return.prepared"
STATUS_CHANGED = "funder_return.status"


def funder_returns() -> QuerySet[FunderReturn]:
    return FunderReturn.objects.select_related("template", "year", "prepared_by", "signed_off_by")


def templates() -> QuerySet[ReturnTemplate]:
    return ReturnTemplate.objects.select_related("monitoring_template").prefetch_related("streams")


def figures_with_trace(funder_return: FunderReturn) -> QuerySet[FunderReturnFigure]:
    """The return's figures in order, each with the rows behind it (one query for all the rows)."""
    sources = FigureSource.objects.select_related(
        "monitoring_return__period", "monitoring_return__service__provider", "payment"
    ).order_by("pk")
    return funder_return.figures.order_by("order", "pk").prefetch_related(
        Prefetch("sources", queryset=sources)
    )


@dataclass(frozen=True)
class Step:
    what: str
    by: str
    at: datetime.datetime
    note: str


def history(funder_return: FunderReturn) -> list[Step]:
    """What happened to the return, oldest first, from the audit trail: each build and each move."""
    steps = []
    for event in trail_of(funder_return).select_related("actor"):
        if event.action == STATUS_CHANGED:
            after = event.after or {}
            what = MOVED.get((event.before or {}).get("status", ""), {}).get(after.get("status", ""), "Moved")
        elif event.action == PREPARED:
            after = event.after or {}
            what = f"Figures built: {after.get('figures', 0)} figures, {after.get('gaps', 0)} gaps"
        else:
            what = event.action
        who = "the system" if event.actor is None else (event.actor.full_name or event.actor.email)
        steps.append(Step(what, who, event.at, event.note))
    return steps


# The words for each move of services.TRANSITIONS, as the history reads them.
MOVED = {
    FunderReturn.Status.DRAFT: {FunderReturn.Status.READY: "Sent for sign-off"},
    FunderReturn.Status.READY: {
        FunderReturn.Status.DRAFT: "Sent back to draft",
        FunderReturn.Status.SIGNED_OFF: "Signed off",
    },
}
