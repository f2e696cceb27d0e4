"""Awards: finance approval commits the money through funds.services, then the schedule and letter follow.

Lock order: award, then application, then whatever funds.services locks (budget, line, commitment). Every path here
takes them in that order, so racing approvals queue on the budget row rather than deadlocking.
"""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from funds.models import BudgetLine
from funds.services import BudgetRuleError, commit_to_line, record_payment

from ..models import Application, Award, AwardPayment, Status
from ..workflow import Role, move

if TYPE_CHECKING:
    from accounts.models import User


class AwardError(Exception):
    """An award action refused; the message says which award and why (for a budget refusal, what remains)."""


def default_line(application: Application) -> BudgetLine | None:
    """A ring-fenced theme's line, else the budget's line for the project's area, else the round's default line."""
    if application.ring_fence is not None:  # None without a query when ring_fence_id is None
        return application.ring_fence.line
    round_ = application.round
    if application.area_id:
        line = BudgetLine.objects.filter(
            budget_id=round_.budget_id, kind=BudgetLine.Kind.AREA, area_id=application.area_id
        ).first()
        if line:
            return line
    return round_.default_line


def check_line_is_rounds(application: Application, line: BudgetLine) -> None:
    """An award is paid from a line of its round's own budget, never another stream's or year's."""
    if line.budget_id != application.round.budget_id:
        raise AwardError(f"{application.reference}: choose a line from the round's own budget")


def create_award(*, application: Application, line: BudgetLine | None = None) -> Award:
    line = line or default_line(application)
    if line is None:
        raise AwardError(f"{application.reference}: there is no budget line for its area; choose one")
    check_line_is_rounds(application, line)
    # Only an approved recommendation comes here, and recommending sets the amount.
    if application.recommended_amount is None:
        raise AwardError(f"{application.reference}: recommend an amount before making the award")
    return Award.objects.create(application=application, amount=application.recommended_amount, line=line)


@transaction.atomic
def change_award_terms(*, award_id: int, line_id: int, schedule: str, instalments: int) -> Award:
    """Choose the line and the payment schedule, which may change only until finance approves the award."""
    award = Award.objects.select_for_update().get(pk=award_id)
    application = Application.objects.select_for_update().get(pk=award.application_id)
    if award.status != Award.Status.AWAITING_FINANCE:
        raise AwardError(
            f"{application.reference} is already approved, so its line and schedule cannot change"
        )
    line = BudgetLine.objects.get(pk=line_id)
    check_line_is_rounds(application, line)
    award.line, award.schedule, award.instalments = line, schedule, instalments
    award.save(update_fields=["line", "schedule", "instalments"])
    return award


@transaction.atomic
def approve_award(*, award_id: int, by: "User", today: datetime.date | None = None) -> Award:
    award = Award.objects.select_for_update().get(pk=award_id)
    application = Application.objects.select_for_update().get(pk=award.application_id)
    if award.status != Award.Status.AWAITING_FINANCE:
        raise AwardError(f"{application.reference} is already approved")
    # Checked again here: finance may have changed the award's line in the admin since it was made.
    check_line_is_rounds(application, award.line)
    try:
        commitment = commit_to_line(
            line_id=award.line_id,
            amount=award.amount,
            reference=str(application),  # its reference: an application with an award has been submitted
            committed_for=award,
            by=by,
        )
    except BudgetRuleError as exc:
        raise AwardError(f"{application.reference} was refused: {exc}") from exc
    award.commitment = commitment
    award.status = Award.Status.COMMITTED
    award.approved_by, award.approved_at = by, timezone.now()
    award.save(update_fields=["commitment", "status", "approved_by", "approved_at"])
    _schedule_payments(award, today or timezone.localdate())
    move(
        application,
        Status.AWARDED,
        by=by,
        role=Role.FINANCE,
        reason=f"Finance approved {award.amount} against {award.line.name}",
    )
    from ..tasks import send_award_letter

    transaction.on_commit(lambda: send_award_letter.delay(award.pk))
    return award


@transaction.atomic
def approve_awards(*, award_ids: list[int], by: "User") -> list[Award]:
    """All or nothing: the first refusal rolls every approval in the list back and says which award it was."""
    approved = []
    for award_id in sorted(award_ids):
        try:
            approved.append(approve_award(award_id=award_id, by=by))
        except AwardError as exc:
            raise AwardError(f"Nothing was approved. {exc}") from exc
    return approved


def _schedule_payments(award: Award, start: datetime.date) -> None:
    count = award.instalments if award.schedule == Award.Schedule.INSTALMENTS else 1
    share = (award.amount / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    for number in range(1, count + 1):
        amount = share if number < count else award.amount - share * (count - 1)
        # The first payment is due when the award is accepted; the rest every three months after approval.
        due_on = None if number == 1 else _add_months(start, 3 * (number - 1))
        AwardPayment.objects.create(award=award, number=number, amount=amount, due_on=due_on)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


@transaction.atomic
def accept_award(*, award_id: int, by: "User") -> Award:
    award = Award.objects.select_for_update().get(pk=award_id)
    if award.status == Award.Status.AWAITING_FINANCE:
        raise AwardError("This award cannot be accepted until finance has approved it")
    if award.accepted_at is None:
        award.accepted_at = timezone.now()
        award.save(update_fields=["accepted_at"])
        record_event("award.accepted", obj=award, by=by, after={"accepted_at": award.accepted_at.isoformat()})
    return award


@transaction.atomic
def mark_payment_made(
    *, award_payment_id: int, paid_on: datetime.date, by: "User", reference: str = ""
) -> AwardPayment:
    scheduled = AwardPayment.objects.select_related("award__application").get(pk=award_payment_id)
    award = Award.objects.select_for_update().get(pk=scheduled.award_id)
    scheduled = AwardPayment.objects.select_for_update().get(pk=award_payment_id)
    label = f"{award.application.reference} payment {scheduled.number}"
    if scheduled.payment_id:
        raise AwardError(f"{label} is already marked as made")
    if award.status == Award.Status.AWAITING_FINANCE or award.commitment_id is None:  # approval commits it
        raise AwardError(f"{label}: the award has not been approved by finance")
    if scheduled.due_on is None and award.accepted_at is None:
        raise AwardError(f"{label} is due on acceptance, and the award has not been accepted yet")
    try:
        payment = record_payment(
            commitment_id=award.commitment_id,
            amount=scheduled.amount,
            paid_on=paid_on,
            reference=reference or label,
            by=by,
        )
    except BudgetRuleError as exc:
        raise AwardError(f"{label}: {exc}") from exc
    scheduled.payment = payment
    scheduled.save(update_fields=["payment"])
    if not award.payments.filter(payment__isnull=True).exists():
        award.status = Award.Status.PAID
        award.save(update_fields=["status"])
    return scheduled
