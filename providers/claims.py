"""A provider's claim for a payment, as data and the services that move it.

TRANSITIONS is the one table of allowed moves and who may make each: a member of the service's provider, or staff
holding one of the named permissions. Every move locks the claim, checks the table and the rules of the move, and
records one audit event. Money is paid only through funds.services.record_payment, which checks again that nothing
is paid beyond what was committed and that the person may record payments.
"""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit.services import record_event, record_status_change
from core.money import format_pounds
from funds.selectors import commitment_paid
from funds.services import BudgetRuleError, record_payment

from .models import (
    Claim,
    MonitoringReturn,
    PaymentScheduleItem,
    ProviderMembership,
    ReportingPeriod,
    Service,
    ServiceFunding,
)

if TYPE_CHECKING:
    from accounts.models import User

S = Claim.Status

# A move a provider makes: the person acting must be a member of the service's provider.
PROVIDER = "provider"
# The state a claim is in before it exists, so that making one is a row of the table too.
NEW = ""

CHECK = "providers.check_claim"  # commissioning officers
APPROVE = "providers.approve_claim"  # finance

# (from, to) -> (what the move is called, who may make it: PROVIDER or any one of the permissions).
# The single source of truth for what can happen to a claim.
TRANSITIONS: dict[tuple[str, str], tuple[str, str | tuple[str, ...]]] = {
    (NEW, S.SUBMITTED): ("submitted", PROVIDER),
    (S.SUBMITTED, S.CHECKED): ("checked against the return", (CHECK,)),
    (S.SUBMITTED, S.RETURNED): ("returned to the provider", (CHECK, APPROVE)),
    (S.CHECKED, S.RETURNED): ("returned to the provider", (CHECK, APPROVE)),
    (S.CHECKED, S.APPROVED): ("approved for payment", (APPROVE,)),
    (S.APPROVED, S.RETURNED): ("returned to the provider", (APPROVE,)),
    (S.APPROVED, S.PAID): ("paid", (APPROVE,)),  # and funds.record_payment, checked by funds.services
}

# Waiting for someone at the office: these count against what is left to claim, and one per period at a time.
OPEN = (S.SUBMITTED, S.CHECKED, S.APPROVED)

# The audit action under which each move of an existing claim is recorded (audit.services.record_status_change).
STATUS_CHANGED = "claim.status"
SUBMITTED = "claim.submitted"
SCHEDULE_ITEM_PAID = "schedule_item.paid"


class ClaimError(BudgetRuleError):
    """A claim refused or a move not allowed. The message is for the person who tried it; `field` names the form
    field it is about, where there is one ("amount", "period")."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


# How each move reads in a refusal: "A claim that is “paid” cannot be approved."
DONE = {
    S.SUBMITTED: "submitted",
    S.CHECKED: "checked",
    S.APPROVED: "approved",
    S.PAID: "paid",
    S.RETURNED: "returned",
}


def allowed(from_status: str, to_status: str) -> tuple[str, str | tuple[str, ...]] | None:
    return TRANSITIONS.get((from_status, to_status))


def is_member(user: "User | None", service: Service) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and ProviderMembership.objects.filter(user=user, provider_id=service.provider_id).exists()
    )


def refusal(claim: Claim, to_status: str, by: "User | None") -> str | None:
    """Why `by` may not move `claim` to `to_status`, or None if they may. Pages ask it to decide which buttons show."""
    rule = allowed(claim.status, to_status)
    if rule is None:
        return f"A claim that is “{S(claim.status).label.lower()}” cannot be {DONE[S(to_status)]}."
    _action, who = rule
    if who == PROVIDER:
        return None if is_member(by, claim.service) else "Only people at the provider can do that."
    if by is None or not by.is_authenticated or not any(by.has_perm(p) for p in who):
        return "You do not have permission to do that."
    if to_status == S.PAID and not by.has_perm("funds.record_payment"):
        return "You do not have permission to record payments."
    if to_status == S.APPROVED and claim.checked_by_id == by.pk:
        return "You checked this claim, so someone else in finance must approve it."
    return None


def may(claim: Claim, to_status: str, by: "User | None") -> bool:
    return refusal(claim, to_status, by) is None


def _move(claim: Claim, to_status: str, *, by: "User", reason: str = "", after: dict | None = None) -> None:
    if problem := refusal(claim, to_status, by):
        raise ClaimError(problem)
    record_status_change(
        STATUS_CHANGED,
        obj=claim,
        from_status=claim.status,
        to_status=to_status,
        by=by,
        reason=reason,
        after=after,
    )
    claim.status = to_status


def _lock(claim_id: int) -> Claim:
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("service", "funding", "period", "monitoring_return")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise ClaimError("There is no such claim.")
    return claim


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def open_claims_total(funding_id: int, *, excluding: int | None = None) -> Decimal:
    """What is claimed from a funding and waiting for the office (checked, approved or not yet either)."""
    claims = Claim.objects.filter(funding_id=funding_id, status__in=OPEN)
    if excluding is not None:
        claims = claims.exclude(pk=excluding)
    return claims.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def left_to_claim(funding: ServiceFunding) -> Decimal:
    """The funding's commitment less what is paid against it and what other claims already ask for."""
    commitment = funding.commitment
    return commitment.amount - commitment_paid(commitment.pk) - open_claims_total(funding.pk)


# --- The moves -------------------------------------------------------------------------------------------------------


@transaction.atomic
def submit_claim(
    *,
    service_id: int,
    funding_id: int,
    amount: Decimal,
    reported_spend: Decimal | None,
    note: str,
    by: "User",
    period_id: int | None = None,
    schedule_item_id: int | None = None,
) -> Claim:
    """A provider claims a payment from one of the service's fundings, for a period (optional) and, if it is a
    scheduled instalment, for that instalment (optional)."""
    # The service first: two claims for one service queue here, so neither misses the other's amount or period.
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise ClaimError("There is no such service.")
    if not is_member(by, service):
        raise ClaimError("Only people at the provider can claim a payment for this service.")
    funding = (
        ServiceFunding.objects.select_related("commitment", "line__budget__year")
        .filter(pk=funding_id, service=service)
        .first()
    )
    if funding is None:
        raise ClaimError("Choose funding this service has", field="funding")
    if funding.commitment.released_at:
        raise ClaimError(
            "This funding has been released, so nothing can be claimed from it.", field="funding"
        )
    if amount is None or amount <= 0:
        raise ClaimError("Enter an amount greater than £0", field="amount")
    if reported_spend is not None and reported_spend < 0:
        raise ClaimError("Enter the spend as £0 or more, without a minus sign", field="reported_spend")
    remaining = left_to_claim(funding)
    if amount > remaining:
        raise ClaimError(
            f"You can claim up to {format_pounds(max(remaining, Decimal('0')))} from this funding: "
            f"{format_pounds(amount)} is more than is left once payments made and other claims "
            "waiting to be paid are taken off.",
            field="amount",
        )
    period, monitoring_return = _period(service, funding, period_id)
    schedule_item = _schedule_item(service, funding, amount, schedule_item_id)
    claim = Claim.objects.create(
        service=service,
        funding=funding,
        period=period,
        monitoring_return=monitoring_return,
        schedule_item=schedule_item,
        amount=amount,
        reported_spend=reported_spend,
        note=(note or "").strip(),
        submitted_by=by,
    )
    record_event(
        SUBMITTED,
        obj=claim,
        by=by,
        before=None,
        after={
            "status": S.SUBMITTED,
            "service": service.name,
            "funding": str(funding.line),
            "period": period.label if period else None,
            "amount": _money(amount),
            "reported_spend": _money(reported_spend) if reported_spend is not None else None,
            "schedule_item": schedule_item.pk if schedule_item else None,
        },
        note=claim.note,
    )
    return claim


def _period(
    service: Service, funding: ServiceFunding, period_id: int | None
) -> tuple[ReportingPeriod | None, MonitoringReturn | None]:
    if period_id is None:
        return None, None
    period = ReportingPeriod.objects.filter(
        pk=period_id, template_id=service.template_id, year_id=funding.line.budget.year_id
    ).first()
    if period is None:
        raise ClaimError(
            f"Choose a quarter of {funding.line.budget.year} this service reports on", field="period"
        )
    if Claim.objects.filter(service=service, period=period, status__in=OPEN).exists():
        raise ClaimError(
            f"There is already a claim for {period.label} waiting for the office. "
            "You can claim again for this quarter if that claim is returned to you.",
            field="period",
        )
    return period, MonitoringReturn.objects.filter(service=service, period=period).first()


def _schedule_item(
    service: Service, funding: ServiceFunding, amount: Decimal, item_id: int | None
) -> PaymentScheduleItem | None:
    if item_id is None:
        return None
    item = PaymentScheduleItem.objects.select_for_update().filter(pk=item_id, service=service).first()
    if item is None or (item.funding_id is not None and item.funding_id != funding.pk):
        raise ClaimError("Choose an instalment of this funding", field="schedule_item")
    if item.payment_id is not None:
        raise ClaimError(
            f"The instalment due on {item.due_on:%-d %B %Y} has already been paid.", field="schedule_item"
        )
    if Claim.objects.filter(schedule_item=item).exists():
        raise ClaimError(
            f"The instalment due on {item.due_on:%-d %B %Y} has already been claimed.", field="schedule_item"
        )
    if amount != item.amount:
        raise ClaimError(
            f"The instalment due on {item.due_on:%-d %B %Y} is {format_pounds(item.amount)}. "
            "Claim that amount, or claim without choosing an instalment.",
            field="amount",
        )
    return item


@transaction.atomic
def check_claim(*, claim_id: int, by: "User") -> Claim:
    """The commissioning officer has checked the claim against the service's return for the period."""
    claim = _lock(claim_id)
    if problem := refusal(claim, S.CHECKED, by):
        raise ClaimError(problem)
    ret = claim.monitoring_return
    if ret is None and claim.period_id:
        ret = MonitoringReturn.objects.filter(service_id=claim.service_id, period_id=claim.period_id).first()
    if ret is not None and ret.status not in MonitoringReturn.IN:
        raise ClaimError(
            f"The {claim.period.label} return is {ret.get_status_display().lower()}. "
            "Check the claim once the provider has submitted the return."
        )
    _move(claim, S.CHECKED, by=by)
    claim.monitoring_return = ret
    claim.checked_by, claim.checked_at = by, timezone.now()
    claim.save()
    return claim


@transaction.atomic
def return_claim(*, claim_id: int, by: "User", reason: str) -> Claim:
    """Send the claim back to the provider, saying why. The provider may then make a new claim."""
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("Say why the claim is being returned to the provider")
    claim = _lock(claim_id)
    item_id = claim.schedule_item_id
    _move(claim, S.RETURNED, by=by, reason=reason, after={"schedule_item": None} if item_id else None)
    claim.returned_reason = reason
    # The instalment is free to be claimed again.
    claim.schedule_item = None
    claim.save()
    return claim


@transaction.atomic
def approve_claim(*, claim_id: int, by: "User") -> Claim:
    """Finance approves the claim for payment. Never the person who checked it."""
    claim = _lock(claim_id)
    _move(claim, S.APPROVED, by=by)
    claim.approved_by, claim.approved_at = by, timezone.now()
    claim.save()
    return claim


@transaction.atomic
def pay_claim(*, claim_id: int, paid_on: datetime.date, reference: str, by: "User") -> Claim:
    """Pay an approved claim from its funding's commitment, and its instalment with it if it has one unpaid."""
    reference = (reference or "").strip()
    if not reference:
        raise ClaimError("Enter the finance reference, such as the invoice or payment run")
    if paid_on is None:
        raise ClaimError("Enter the date the payment was made")
    # Lock order as providers.funding's: the service, then its instalment, then funds' rows (in record_payment), so
    # paying a claim and varying its funding queue rather than deadlock.
    service_id = Claim.objects.filter(pk=claim_id).values_list("service_id", flat=True).first()
    Service.objects.select_for_update().filter(pk=service_id).first()
    claim = _lock(claim_id)
    if problem := refusal(claim, S.PAID, by):
        raise ClaimError(problem)
    item = None
    if claim.schedule_item_id:
        item = PaymentScheduleItem.objects.select_for_update().get(pk=claim.schedule_item_id)
        if item.payment_id is not None:
            item = None
    payment = record_payment(
        commitment_id=claim.funding.commitment_id,
        amount=claim.amount,
        paid_on=paid_on,
        reference=reference,
        by=by,
    )
    if item is not None:
        item.payment = payment
        item.save(update_fields=["payment"])
    _move(
        claim,
        S.PAID,
        by=by,
        reason=reference,
        after={
            "payment": payment.pk,
            "amount": _money(claim.amount),
            "paid_on": paid_on.isoformat(),
            "schedule_item": item.pk if item else None,
        },
    )
    claim.payment = payment
    claim.save()
    return claim


@transaction.atomic
def pay_scheduled_item(
    *, item_id: int, paid_on: datetime.date, reference: str, by: "User"
) -> PaymentScheduleItem:
    """Finance pays a scheduled instalment of a service's funding, without a claim."""
    reference = (reference or "").strip()
    if by is None or not by.is_authenticated or not by.has_perm("funds.record_payment"):
        raise ClaimError("You do not have permission to record payments.")
    if not reference:
        raise ClaimError("Enter the finance reference, such as the invoice or payment run")
    if paid_on is None:
        raise ClaimError("Enter the date the payment was made")
    service_id = PaymentScheduleItem.objects.filter(pk=item_id).values_list("service_id", flat=True).first()
    if service_id is None:
        raise ClaimError("There is no such instalment.")
    # The service first, as providers.funding locks it before its instalments and funds' rows: a variation and a
    # payment of the same funding then queue instead of deadlocking.
    Service.objects.select_for_update().filter(pk=service_id).first()
    item = PaymentScheduleItem.objects.select_for_update().get(pk=item_id)
    when = f"The instalment due on {item.due_on:%-d %B %Y}"
    if item.payment_id is not None:
        raise ClaimError(f"{when} has already been paid.")
    if item.funding_id is None:
        raise ClaimError(
            f"{when} is not linked to any of the service's funding, so it is not known which budget line pays it."
        )
    claim = Claim.objects.filter(schedule_item=item, status__in=OPEN).first()
    if claim is not None:
        raise ClaimError(f"{when} has a claim {claim.get_status_display().lower()}: pay it from the claim.")
    funding = ServiceFunding.objects.get(pk=item.funding_id)
    payment = record_payment(
        commitment_id=funding.commitment_id, amount=item.amount, paid_on=paid_on, reference=reference, by=by
    )
    item.payment = payment
    item.save(update_fields=["payment"])
    record_event(
        SCHEDULE_ITEM_PAID,
        obj=item,
        by=by,
        before={"payment": None},
        after={
            "service": item.service_id,
            "payment": payment.pk,
            "amount": _money(item.amount),
            "paid_on": paid_on.isoformat(),
        },
        note=reference,
    )
    return item
