"""Reads of services and returns, already scoped to who is asking. Another provider's rows are simply not there."""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum

from audit.selectors import status_changes_of
from funds import selectors as funds_selectors

from .aggregation import combine_by_period, shown
from .models import (
    Measure,
    MonitoringReturn,
    Provider,
    ReturnBreakdownValue,
    ReturnValue,
    Service,
    ServiceDocument,
)
from .workflow import STATUS_CHANGED, TRANSITIONS

if TYPE_CHECKING:
    from accounts.models import User
    from funds.models import FinancialYear

    from .models import Claim, PaymentScheduleItem

S = MonitoringReturn.Status


def can_review(user: "User") -> bool:
    return user.is_authenticated and user.is_staff and user.has_perm("providers.review_returns")


@dataclass(frozen=True)
class ReturnStep:
    """One move of a return as its history shows it: what was done, by whom, when, and the comment given."""

    action: str
    by: Any  # the user, or None for the system
    at: datetime.datetime
    comment: str


def history_of(ret: MonitoringReturn) -> list[ReturnStep]:
    """Every move of the return, oldest first, read from the audit trail."""
    steps = []
    for change in status_changes_of(ret, action=STATUS_CHANGED, choices=S):
        rule = TRANSITIONS.get((change.from_status, change.to_status))
        action = rule[0] if rule else f"moved to {S(change.to_status).label.lower()}"
        steps.append(ReturnStep(action=action, by=change.by, at=change.at, comment=change.reason))
    return steps


def providers_for(user: "User") -> QuerySet[Provider]:
    """The providers a person acts for. The provider portal shows only these, even to staff."""
    return Provider.objects.filter(memberships__user=user)


def services_for_provider_user(user: "User") -> QuerySet[Service]:
    return Service.objects.filter(provider__memberships__user=user).select_related(
        "provider", "start_year", "end_year", "template"
    )


def returns_for_provider_user(user: "User") -> QuerySet[MonitoringReturn]:
    return MonitoringReturn.objects.filter(service__provider__memberships__user=user).select_related(
        "service__provider", "period__template", "prepared_by", "signed_off_by"
    )


def documents_for_provider_user(user: "User") -> QuerySet[ServiceDocument]:
    return ServiceDocument.objects.filter(service__provider__memberships__user=user)


def returns_visible_to(user: "User") -> QuerySet[MonitoringReturn]:
    """Staff who review see every return; anyone else only their own providers' returns."""
    if can_review(user):
        return MonitoringReturn.objects.select_related(
            "service__provider", "period__template", "period__year"
        )
    return returns_for_provider_user(user)


# --- Staff dashboard -------------------------------------------------------------------------------------------------


def filtered_returns(
    *,
    year: "FinancialYear | int | None" = None,
    period_label: str = "",
    provider_id: int | None = None,
    stream_id: int | None = None,
) -> QuerySet[MonitoringReturn]:
    qs = MonitoringReturn.objects.all()
    if year is not None:
        qs = qs.filter(period__year=year)
    if period_label:
        qs = qs.filter(period__label=period_label)
    if provider_id:
        qs = qs.filter(service__provider_id=provider_id)
    if stream_id:
        qs = qs.filter(service__in=Service.objects.filter(fundings__line__budget__stream_id=stream_id))
    return qs


def period_summary(returns: QuerySet[MonitoringReturn], *, today: datetime.date) -> list[Mapping[str, Any]]:
    """Per period label: how many returns are due, overdue, late, submitted (waiting for review) and accepted. One query."""
    return list(
        returns.order_by()
        .values("period__label", "period__starts_on")
        .annotate(
            total=Count("pk"),
            outstanding=Count("pk", filter=Q(status__in=MonitoringReturn.OPEN)),
            overdue=Count("pk", filter=Q(status__in=MonitoringReturn.OPEN, period__due_on__lt=today)),
            late=Count("pk", filter=Q(late=True)),
            submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
            accepted=Count("pk", filter=Q(status=S.ACCEPTED)),
        )
        .order_by("period__starts_on", "period__label")
    )


def dashboard_rows(returns: QuerySet[MonitoringReturn]) -> QuerySet[MonitoringReturn]:
    """Period by period, then by provider and service; the id last, so returns with the same names keep one order and
    a page boundary neither skips nor repeats one."""
    return returns.select_related("service__provider", "period").order_by(
        "period__starts_on", "service__provider__name", "service__name", "pk"
    )


def measure_series(measure: "Measure", *, service_id: int | None = None) -> list[Mapping[str, Any]]:
    """The measure combined per period over submitted and accepted returns, oldest first, by its kind's rule
    (providers.aggregation): each row has the period's label and start, the Combined figure, how many returns gave
    it, and the figure as shown."""
    returns = MonitoringReturn.objects.filter(status__in=MonitoringReturn.IN)
    if service_id:
        returns = returns.filter(service_id=service_id)
    return [
        {
            "label": label,
            "starts_on": starts_on,
            "combined": combined,
            "value": combined.value,
            "how": combined.how,
            "returns": len(combined.return_ids),
            "shown": shown(combined),
        }
        for label, starts_on, combined in combine_by_period(measure, returns)
    ]


# --- Needs-based allocation ------------------------------------------------------------------------------------------


class NotACount(ValueError):
    """Recorded demand was asked of a measure that is not a count; the message says which and why."""


def recorded_demand_by_area(
    *, year: "FinancialYear | int", measure_code: str, stream_slug: str | None = None
) -> dict[int, Decimal]:
    """Area id -> the sum of one measure over a financial year's submitted and accepted returns.

    The rule, per return:
    - if the return has an area breakdown of the measure (a breakdown whose options name areas), each area gets the
      count recorded against it;
    - otherwise the return's figure is shared evenly between the areas the service covers, to the penny, with the
      pennies left over from rounding down given one each to the areas first in name order, so shares add up to the
      figure exactly;
    - a service that covers no areas (force-wide) and has no area breakdown counts towards no area.
    `stream_slug` keeps only services funded from that stream. `year` is a FinancialYear or its start year.
    Only a count measure can be demand: any other kind raises NotACount.
    """
    not_counts = Measure.objects.filter(code=measure_code).exclude(kind=Measure.Kind.COUNT).first()
    if not_counts is not None:
        # Demand is people or cases; a percentage, an amount of money or a yes/no shared out by area means nothing.
        raise NotACount(
            f"“{not_counts.label}” ({measure_code}) is a {not_counts.get_kind_display().lower()} measure. "
            "Demand can only be taken from a count of people or cases, like caseload"
        )
    start_year: int = year if isinstance(year, int) else year.start_year
    returns = MonitoringReturn.objects.filter(
        status__in=MonitoringReturn.IN, period__year__start_year=start_year
    )
    if stream_slug:
        returns = returns.filter(
            service__in=Service.objects.filter(fundings__line__budget__stream__slug=stream_slug)
        )
    demand: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))

    by_area = ReturnBreakdownValue.objects.filter(
        monitoring_return__in=returns,
        option__breakdown__measure__code=measure_code,
        option__area__isnull=False,
    ).values_list("monitoring_return_id", "option__area_id", "count")
    broken_down = set()
    for return_id, area_id, count in by_area:
        broken_down.add(return_id)
        demand[area_id] += Decimal(count)

    figures = (
        ReturnValue.objects.filter(
            monitoring_return__in=returns,
            measure__code=measure_code,
            number__isnull=False,
        )
        .exclude(monitoring_return_id__in=broken_down)
        .values_list("monitoring_return__service_id", "number")
    )
    service_ids = {service_id for service_id, _ in figures}
    areas: dict[int, list[int]] = defaultdict(list)
    for service_id, area_id in (
        Service.areas.through.objects.filter(service_id__in=service_ids)
        .order_by("area__name", "area_id")
        .values_list("service_id", "area_id")
    ):
        areas[service_id].append(area_id)
    for service_id, number in figures:
        assert number is not None  # the query keeps only figures that were given
        for area_id, share in zip(
            areas[service_id], _even_shares(number, len(areas[service_id])), strict=False
        ):
            demand[area_id] += share
    return dict(demand)


def _even_shares(total: Decimal, parts: int) -> list[Decimal]:
    if parts == 0:
        return []
    penny = Decimal("0.01")
    share = (Decimal(total) / parts).quantize(penny, rounding=ROUND_DOWN)
    left = int((Decimal(total) - share * parts) / penny)
    return [share + (penny if i < left else 0) for i in range(parts)]


# --- Payments: claims and scheduled instalments ----------------------------------------------------------------------


# Where an instalment stands is funds' rule, shared with award instalments (funds.selectors.instalment_state_on).
InstalmentState = funds_selectors.InstalmentState
NOT_YET_DUE, DUE, OVERDUE, PAID = (
    funds_selectors.NOT_YET_DUE,
    funds_selectors.DUE,
    funds_selectors.OVERDUE,
    funds_selectors.PAID,
)
payment_terms_days = funds_selectors.payment_terms_days


def instalment_state(
    item: "PaymentScheduleItem", *, today: datetime.date, terms_days: int | None = None
) -> InstalmentState:
    """A scheduled instalment of a service's funding: paid once finance has paid it, else by its due date."""
    return funds_selectors.instalment_state_on(
        due_on=item.due_on, paid=item.payment_id is not None, today=today, terms_days=terms_days
    )


@dataclass(frozen=True)
class Instalment:
    item: "PaymentScheduleItem"
    state: InstalmentState


def schedule_of(service: Service, *, today: datetime.date) -> list[Instalment]:
    """The service's payment schedule, in due order, each instalment with its state. Two queries."""
    terms = payment_terms_days()
    items = service.payment_schedule.select_related("funding__line__budget__year", "payment").order_by(
        "due_on", "pk"
    )
    return [Instalment(item, instalment_state(item, today=today, terms_days=terms)) for item in items]


def claims_for_provider_user(user: "User") -> QuerySet["Claim"]:
    from .models import Claim

    return Claim.objects.filter(service__provider__memberships__user=user).select_related(
        "service__provider", "funding__line__budget__year", "period", "payment", "schedule_item"
    )


def staff_claims(*, status: str = "") -> QuerySet["Claim"]:
    """Every claim for staff who check, approve or see claims, oldest waiting first when filtered by a status."""
    from .models import Claim

    claims = Claim.objects.select_related("service__provider", "period", "funding__line__budget__year")
    if status:
        claims = claims.filter(status=status).order_by("submitted_at", "pk")
    return claims


def claims_to_check_count() -> int:
    from .models import Claim

    return Claim.objects.filter(status=Claim.Status.SUBMITTED).count()


@dataclass(frozen=True)
class PaidAndReported:
    """What the office has paid a service and what the provider says it spent, and how far apart they are."""

    paid: Decimal
    reported: Decimal | None  # None until a claim reports spend: nothing reported is not a spend of £0

    @property
    def difference(self) -> Decimal | None:
        """Spend reported beyond what was paid (negative: paid more than the spend reported)."""
        return None if self.reported is None else self.reported - self.paid

    @property
    def paid_beyond_spend(self) -> Decimal | None:
        return None if self.reported is None else self.paid - self.reported


def paid_and_reported(service: Service) -> PaidAndReported:
    """Paid: every payment against the service's fundings, corrections included. Reported: the spend on every claim
    not returned to the provider (a returned claim is claimed again)."""
    from funds.models import Payment

    from .models import Claim

    paid = Payment.objects.filter(commitment__service_funding__service=service).aggregate(total=Sum("amount"))
    reported = (
        Claim.objects.filter(service=service)
        .exclude(status=Claim.Status.RETURNED)
        .aggregate(total=Sum("reported_spend"))
    )
    return PaidAndReported(paid=paid["total"] or Decimal("0"), reported=reported["total"])


def claim_history(claim: "Claim") -> list[ReturnStep]:
    """The claim's moves, oldest first: its sending, then each move read from the audit trail."""
    from .claims import STATUS_CHANGED as CLAIM_STATUS_CHANGED
    from .claims import TRANSITIONS as CLAIM_TRANSITIONS
    from .models import Claim

    steps = [
        ReturnStep(action="sent by the provider", by=claim.submitted_by, at=claim.submitted_at, comment="")
    ]
    for change in status_changes_of(claim, action=CLAIM_STATUS_CHANGED, choices=Claim.Status):
        rule = CLAIM_TRANSITIONS.get((change.from_status, change.to_status))
        action = rule[0] if rule else f"moved to {Claim.Status(change.to_status).label.lower()}"
        steps.append(ReturnStep(action=action, by=change.by, at=change.at, comment=change.reason))
    return steps
