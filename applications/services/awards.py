"""Awards: finance approval commits the money through funds.services, then the schedule and letter follow.

Who may sign, and when a second signature is needed, is applications.duties; this module applies it.

Lock order: award, then application, then whatever funds.services locks (budget, line, commitment). Every path here
takes them in that order, so racing approvals queue on the award row, then the budget row, rather than deadlocking.
"""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from audit.services import record_event
from core.money import format_pounds
from funds import selectors as funds_selectors
from funds.models import BudgetLine, FinancialYear
from funds.services import BudgetRuleError, commit_to_line, record_payment, release_commitment
from outbox.services import send_after_commit

from .. import duties
from ..models import Application, Award, AwardPayment, Status
from ..workflow import move
from .grant_reports import schedule_reports

if TYPE_CHECKING:
    from accounts.models import User


class AwardError(Exception):
    """An award action refused; the message says which award and why (for a budget refusal, what remains).

    `problems` holds one sentence per award refused (a bulk approval lists every one)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


def _name(user: "User | None") -> str:
    return user.get_full_name() if user is not None else "the system"


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
def change_award_terms(
    *, award_id: int, line_id: int, schedule: str, instalments: int, by: "User | None" = None
) -> Award:
    """Choose the line and the payment schedule, which may change only until finance first signs the award."""
    award = Award.objects.select_for_update().select_related("line").get(pk=award_id)
    application = Application.objects.select_for_update().get(pk=award.application_id)
    if award.status != Award.Status.AWAITING_FINANCE:
        raise AwardError(
            f"{application.reference} is already {award.get_status_display().lower()}, "
            "so its line and schedule cannot change"
        )
    if award.first_approved_by_id:
        # The second signer signs what the first signed: nothing about the money moves in between.
        raise AwardError(
            f"{application.reference} has its first signature, so its line and schedule cannot change"
        )
    line = BudgetLine.objects.get(pk=line_id)
    check_line_is_rounds(application, line)
    before = {"line": award.line.name, "schedule": award.schedule, "instalments": award.instalments}
    award.line, award.schedule, award.instalments = line, schedule, instalments
    award.save(update_fields=["line", "schedule", "instalments"])
    record_event(
        "award.terms_changed",
        obj=award,
        by=by,
        before=before,
        after={"line": line.name, "schedule": schedule, "instalments": instalments},
    )
    return award


@transaction.atomic
def approve_award(*, award_id: int, by: "User", today: datetime.date | None = None) -> Award:
    """Finance's signature. An award over the office's second-signature threshold needs two different approvers:
    the first signature is recorded and commits nothing; the second (a finance approver) commits the money. Either
    way the award is returned; it is committed once its status says so."""
    award = Award.objects.select_for_update().get(pk=award_id)
    application = Application.objects.select_for_update().get(pk=award.application_id)
    award.application = application
    if award.status != Award.Status.AWAITING_FINANCE:
        raise AwardError(f"{application.reference} is already {award.get_status_display().lower()}")
    if problem := duties.signature_refusal(award, by):
        raise AwardError(f"{application.reference}: {problem}")
    now = timezone.now()
    if duties.needs_second_signature(award) and award.first_approved_by_id is None:
        award.first_approved_by, award.first_approved_at = by, now
        award.save(update_fields=["first_approved_by", "first_approved_at"])
        record_event(
            "award.first_signature",
            obj=award,
            by=by,
            before=None,
            after={"first_signature": _name(by), "amount": str(award.amount)},
            note=f"Over {format_pounds(duties.office_settings().second_signature_over)}: "
            "a second finance approver must sign before the money is committed",
        )
        return award
    today = today or timezone.localdate()
    line = _line_to_commit_against(award, application, today=today, by=by)
    try:
        commitment = commit_to_line(
            line_id=line.pk,
            amount=award.amount,
            reference=str(application),  # its reference: an application with an award has been submitted
            committed_for=award,
            by=by,
        )
    except BudgetRuleError as exc:
        raise AwardError(f"{application.reference} was refused: {exc}") from exc
    award.commitment = commitment
    award.status = Award.Status.COMMITTED
    award.approved_by, award.approved_at = by, now
    award.save(update_fields=["commitment", "status", "approved_by", "approved_at"])
    signatures = {"approved_by": _name(by)}
    if award.first_approved_by_id:
        signatures = {"first_signature": _name(award.first_approved_by), "second_signature": _name(by)}
    record_event(
        "award.approved",
        obj=award,
        by=by,
        before={"status": Award.Status.AWAITING_FINANCE},
        after={
            "status": Award.Status.COMMITTED,
            "amount": str(award.amount),
            "line": line.name,
            **signatures,
        },
    )
    _schedule_payments(award, today)
    schedule_reports(award, by=by)
    move(
        application,
        Status.AWARDED,
        by=by,
        reason=f"Finance approved {format_pounds(award.amount)} against {line.name}",
    )
    send_after_commit("applications.tasks.send_award_letter", award.pk)
    return award


def _line_to_commit_against(
    award: Award, application: Application, *, today: datetime.date, by: "User"
) -> BudgetLine:
    """The award's line; or, when that line's year is closed, the matching line in the open year, which becomes the
    award's line (work approved after a year end lands in the open year). Refused if there is none."""
    line = BudgetLine.objects.select_related("budget__year", "budget__stream").get(pk=award.line_id)
    year = line.budget.year
    if year.closed_at is None:
        # Checked again here: finance may have changed the award's line in the admin since it was made.
        check_line_is_rounds(application, line)
        return line
    open_line = funds_selectors.open_line_like(line, on=today)
    if open_line is None:
        open_year = FinancialYear(start_year=FinancialYear.containing(today))
        raise AwardError(
            f"{application.reference} was refused: {year} is closed, and the {line.budget.stream} budget for "
            f"{open_year} has no line like “{line.name}”. Add that line to the {open_year} budget, then approve "
            "the award again."
        )
    open_line = BudgetLine.objects.select_related("budget__year").get(pk=open_line.pk)
    award.line = open_line
    award.save(update_fields=["line"])
    record_event(
        "award.line_changed",
        obj=award,
        by=by,
        before={"line": str(line)},
        after={"line": str(open_line)},
        note=f"{year} is closed, so the award is committed against {open_line.name} in "
        f"{open_line.budget.year} instead.",
    )
    return open_line


@transaction.atomic
def approve_awards(*, award_ids: list[int], by: "User") -> list[Award]:
    """All or nothing. Each award is tried in a savepoint so that every refusal is found, not only the first; if any
    award is refused, everything is rolled back and one AwardError lists every refusal."""
    signed, refusals = [], []
    ids = sorted(set(award_ids))
    for award_id in ids:
        try:
            with transaction.atomic():
                signed.append(approve_award(award_id=award_id, by=by))
        except AwardError as exc:
            refusals.extend(exc.problems)
    if refusals:
        count = f"{len(refusals)} of the {len(ids)} awards" if len(ids) > 1 else "The award"
        raise AwardError(
            f"Nothing was approved. {count} {'were' if len(refusals) > 1 else 'was'} refused: "
            + " ".join(r if r.endswith(".") else f"{r}." for r in refusals),
            problems=refusals,
        )
    return signed


@transaction.atomic
def cancel_award(*, award_id: int, by: "User", reason: str) -> Award:
    """Cancel an award nothing has been paid on: its commitment is released back to its line through funds, and the
    application becomes "Award cancelled"."""
    award = Award.objects.select_for_update().get(pk=award_id)
    application = Application.objects.select_for_update().get(pk=award.application_id)
    award.application = application
    reference = application.reference
    if problem := duties.refusal(application, duties.CANCEL_AWARD, by):
        raise AwardError(f"{reference}: {problem}")
    if not reason.strip():
        raise AwardError("Give the reason for cancelling the award")
    if award.status == Award.Status.CANCELLED:
        raise AwardError(f"{reference}: this award is already cancelled")
    year_id = BudgetLine.objects.filter(pk=award.line_id).values_list("budget__year_id", flat=True).get()
    if funds_selectors.year_is_closed(year_id):
        year = FinancialYear.objects.get(pk=year_id)
        raise AwardError(f"{reference}: {year} is closed, so its budgets and commitments cannot change.")
    paid = award.payments.filter(payment__isnull=False).aggregate(s=Sum("amount"))["s"]
    if paid:
        raise AwardError(
            f"{format_pounds(paid)} has already been paid on {reference}, so its award cannot be cancelled."
        )
    before = {"status": award.status}
    if award.commitment_id:
        try:
            release_commitment(
                commitment_id=award.commitment_id, by=by, reason=f"Award {reference} cancelled: {reason}"
            )
        except BudgetRuleError as exc:
            raise AwardError(f"{reference}: {exc}") from exc
    award.status = Award.Status.CANCELLED
    award.cancelled_by, award.cancelled_at, award.cancel_reason = by, timezone.now(), reason
    award.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
    record_event(
        "award.cancelled",
        obj=award,
        by=by,
        before=before,
        after={"status": Award.Status.CANCELLED, "released": str(award.amount if award.commitment_id else 0)},
        note=reason,
    )
    move(application, Status.AWARD_CANCELLED, by=by, reason=reason)
    return award


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
    if award.status == Award.Status.CANCELLED:
        raise AwardError("This award has been cancelled, so it cannot be accepted")
    if award.status == Award.Status.AWAITING_FINANCE:
        raise AwardError("This award cannot be accepted until finance has approved it")
    if award.accepted_at is None:
        award.accepted_at = timezone.now()
        award.save(update_fields=["accepted_at"])
        record_event("award.accepted", obj=award, by=by, after={"accepted_at": award.accepted_at.isoformat()})
    return award


@transaction.atomic
def mark_payment_made(
    *,
    award_payment_id: int,
    paid_on: datetime.date,
    by: "User",
    reference: str = "",
    amount: Decimal | None = None,
) -> AwardPayment:
    """Record an instalment as paid on the day the money left, with the finance system's reference. Paying less
    than the instalment splits it: the part paid is this instalment, the rest a new one due on the same day."""
    scheduled = AwardPayment.objects.select_related("award__application").get(pk=award_payment_id)
    award = Award.objects.select_for_update().get(pk=scheduled.award_id)
    scheduled = AwardPayment.objects.select_for_update().get(pk=award_payment_id)
    label = f"{award.application.reference} payment {scheduled.number}"
    if problem := duties.missing_permission(by, duties.RECORD_PAYMENT):
        raise AwardError(f"{label}: {problem}")
    if award.status == Award.Status.CANCELLED:
        raise AwardError(f"{label}: the award was cancelled, so nothing more is paid on it")
    if scheduled.payment_id:
        raise AwardError(f"{label} is already marked as made")
    if award.status == Award.Status.AWAITING_FINANCE or award.commitment_id is None:  # approval commits it
        raise AwardError(f"{label}: the award has not been approved by finance")
    if scheduled.due_on is None and award.accepted_at is None:
        raise AwardError(f"{label} is due on acceptance, and the award has not been accepted yet")
    amount = scheduled.amount if amount is None else Decimal(amount)
    if amount <= 0:
        raise AwardError(f"{label}: the amount paid must be more than £0")
    if amount > scheduled.amount:
        raise AwardError(
            f"{label} is {format_pounds(scheduled.amount)}: a payment of {format_pounds(amount)} is more than that. "
            "Vary the award first if more is to be paid"
        )
    try:
        payment = record_payment(
            commitment_id=award.commitment_id,
            amount=amount,
            paid_on=paid_on,
            reference=reference or label,
            by=by,
        )
    except BudgetRuleError as exc:
        raise AwardError(f"{label}: {exc}") from exc
    if amount < scheduled.amount:
        number = (award.payments.aggregate(n=Max("number"))["n"] or 0) + 1
        AwardPayment.objects.create(
            award=award, number=number, amount=scheduled.amount - amount, due_on=scheduled.due_on
        )
        scheduled.amount = amount
    scheduled.payment = payment
    scheduled.save(update_fields=["payment", "amount"])
    if not award.payments.filter(payment__isnull=True).exists():
        award.status = Award.Status.PAID
        award.save(update_fields=["status"])
    return scheduled
