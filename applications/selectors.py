"""Reads used by several views, already scoped to who is asking. Another organisation's id is simply not found."""

from django.db.models import Count, F, FloatField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from .models import Application, Assessment, Document, Organisation, Round, Score


def open_rounds(now=None) -> QuerySet[Round]:
    now = now or timezone.now()
    return (Round.objects.filter(opens_at__lte=now, closes_at__gt=now)
            .select_related("budget__stream", "budget__year").prefetch_related("areas", "ring_fences__line")
            .order_by("closes_at"))


def organisations_of(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).select_related("area")


def applications_visible_to(user) -> QuerySet[Application]:
    qs = Application.objects.select_related("round", "organisation", "area")
    if user.is_staff:
        return qs
    return qs.filter(organisation__memberships__user=user)


def documents_visible_to(user) -> QuerySet[Document]:
    qs = Document.objects.select_related("application")
    if user.is_staff:
        # An assessor who declared a conflict is taken off the application, its documents included.
        return qs.exclude(application_id__in=Assessment.objects.filter(assessor=user, has_conflict=True)
                          .values("application_id"))
    return qs.filter(application__organisation__memberships__user=user)


def dashboard_applications(user) -> QuerySet[Application]:
    """The applicant dashboard: a fixed number of queries however many applications there are."""
    return (applications_visible_to(user).filter(organisation__memberships__user=user)
            .select_related("round__budget__year", "award")
            .prefetch_related(Prefetch("information_requests", to_attr="prefetched_requests"))
            .order_by("-created_at"))


def staff_applications() -> QuerySet[Application]:
    total_weight = Subquery(
        Round.objects.filter(pk=OuterRef("round_id")).annotate(w=Sum("criteria__weight")).values("w")
    )
    assessors = (Assessment.objects.filter(application=OuterRef("pk"), completed_at__isnull=False).order_by()
                 .values("application").annotate(n=Count("pk")).values("n"))
    points = (Score.objects.filter(assessment__application=OuterRef("pk"), assessment__completed_at__isnull=False)
              .order_by().values("assessment__application").annotate(p=Sum(F("score") * F("criterion__weight")))
              .values("p"))
    return (Application.objects.exclude(status="draft")
            .select_related("round", "organisation", "area")
            .annotate(score=Cast(Subquery(points), FloatField()) * 100.0
                      / (Cast(Subquery(assessors), FloatField()) * Cast(total_weight, FloatField())
                         * Cast(F("round__scoring_scale"), FloatField()))))


def applications_of_member(user) -> QuerySet[Application]:
    """Applications the user may edit: their own organisations' only, even for staff."""
    return Application.objects.select_related("round__budget__year", "organisation", "area").filter(
        organisation__memberships__user=user)
