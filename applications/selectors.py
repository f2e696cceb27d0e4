"""Reads used by several views, already scoped to who is asking. Another organisation's id is simply not found."""

import datetime
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db.models import F, OrderBy, Prefetch, QuerySet
from django.utils import timezone

from accounts.permissions import has_staff_permission
from audit.selectors import StatusChange, status_changes_of

from .models import (
    STATUS_CHANGED,
    Application,
    Assessment,
    Document,
    InformationRequest,
    Organisation,
    Round,
    Status,
)

if TYPE_CHECKING:
    from accounts.models import User


def open_rounds(now: datetime.datetime | None = None) -> QuerySet[Round]:
    now = now or timezone.now()
    return (
        Round.objects.filter(opens_at__lte=now, closes_at__gt=now)
        .select_related("budget__stream", "budget__year")
        .prefetch_related("areas", "ring_fences__line")
        .order_by("closes_at")
    )


def organisations_of(user: "User") -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).select_related("area")


# Staff who may read every application (accounts.roles: every staff role that works on them, and the read-only one).
VIEW_APPLICATIONS = "applications.view_application"


def applications_visible_to(user: "User") -> QuerySet[Application]:
    qs = Application.objects.select_related("round", "organisation", "area")
    if has_staff_permission(user, VIEW_APPLICATIONS):
        return qs
    return qs.filter(organisation__memberships__user=user)


def documents_visible_to(user: "User") -> QuerySet[Document]:
    qs = Document.objects.select_related("application")
    if has_staff_permission(user, VIEW_APPLICATIONS):
        # An assessor who declared a conflict is taken off the application, its documents included.
        return qs.exclude(
            application_id__in=Assessment.objects.filter(assessor=user, has_conflict=True).values(
                "application_id"
            )
        )
    return qs.filter(application__organisation__memberships__user=user)


def dashboard_applications(user: "User") -> QuerySet[Application]:
    """The applicant dashboard: a fixed number of queries however many applications there are."""
    return (
        applications_visible_to(user)
        .filter(organisation__memberships__user=user)
        .select_related("round__budget__year", "award")
        .prefetch_related(Prefetch("information_requests", to_attr="prefetched_requests"))
        .order_by("-created_at")
    )


# Newest submitted first; a draft withdrawn before it was ever submitted has no date and goes last. The id breaks ties
# so every page is stable. Application.Meta.indexes has the partial index that serves exactly this order.
STAFF_LIST_ORDER = (F("submitted_at").desc(nulls_last=True), F("id").desc())


def staff_applications() -> QuerySet[Application]:
    """Every application sent to the office (drafts left out), with its stored score (applications.services.scoring)."""
    return (
        Application.objects.exclude(status="draft")
        .select_related("round", "organisation", "area")
        .order_by(*STAFF_LIST_ORDER)
    )


# How each sortable column of the staff list orders it, ascending; descending is the exact mirror (every term flipped,
# NULLs included), so one index serves both directions. Something not yet given (no reference, no amount, no score, no
# area) counts as the lowest. The id always comes last, so equal values keep one order and a page boundary neither
# skips nor repeats a row. Each order has an index (migrations 0005 and 0012); the organisation's name is read through
# an index on the organisations' names, one organisation after another.
STAFF_LIST_SORTS = {
    "reference": (F("reference").asc(nulls_first=True), F("id").asc()),
    "organisation": (F("organisation__name").asc(), F("id").asc()),
    "round": (F("round__name").asc(), F("id").asc()),
    "area": (F("area__name").asc(nulls_first=True), F("id").asc()),
    "status": (F("status").asc(), F("id").asc()),
    "amount_requested": (F("amount_requested").asc(nulls_first=True), F("id").asc()),
    "score": (F("score").asc(nulls_first=True), F("id").asc()),
}


def order_staff_list(
    applications: QuerySet[Application], column: str, *, descending: bool
) -> QuerySet[Application]:
    """The staff list ordered by one of its columns (STAFF_LIST_SORTS), lowest first or highest first."""
    ordering: tuple[OrderBy, ...] = STAFF_LIST_SORTS[column]
    if descending:
        ordering = tuple(
            OrderBy(
                term.expression,
                descending=True,
                nulls_last=True if term.nulls_first else None,
            )
            for term in ordering
        )
    return applications.order_by(*ordering)


def applications_of_member(user: "User") -> QuerySet[Application]:
    """Applications the user may edit: their own organisations' only, even for staff."""
    return Application.objects.select_related("round__budget__year", "organisation", "area").filter(
        organisation__memberships__user=user
    )


def status_changes(application: Application) -> list[StatusChange]:
    """The application's moves, oldest first, as its history shows them: who, when, from, to and why."""
    return status_changes_of(application, action=STATUS_CHANGED, choices=Status)


def information_requests_with_files(application: Application) -> list[InformationRequest]:
    """Every question staff have asked about the application, oldest first, answered or not, each with the files on
    it: `sent_files`, attached by staff to the question, and `answer_files`, sent by the applicant with the answer.
    Read from the application's documents (prefetched by the pages that show them), so no query per question."""
    files: dict[int, list[Document]] = defaultdict(list)
    for document in application.documents.all():
        if document.information_request_id:
            files[document.information_request_id].append(document)
    requests = list(application.information_requests.all())
    for info in requests:
        attached = files.get(info.pk, [])
        info.sent_files = [d for d in attached if d.kind == Document.Kind.REQUEST_ATTACHMENT]  # type: ignore[attr-defined]
        info.answer_files = [d for d in attached if d.kind != Document.Kind.REQUEST_ATTACHMENT]  # type: ignore[attr-defined]
    return requests
