"""An approved award's money after approval: paying it in part or in full on a date, varying it, closing it with
its underspend released, recording money repaid and carrying it into the next year. Each calls funds.services, which
locks the line and commitment, checks budget control and records the change; this module keeps the award's own rows
(its instalments, its status, its variations) in step in the same transaction.

Lock order, as in awards.py: award, then whatever funds.services locks.
"""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from audit.services import record_event
from core.money import format_pounds
from funds import services as funds_services
from funds.models import BudgetLine, Decision
from funds.services import BudgetRuleError

from .. import duties
from ..models import Award, AwardPayment, AwardVariation
from .awards import AwardError, _add_months, check_line_is_rounds

if TYPE_CHECKING:
    from accounts.models import User

# Variations, closing with an underspend and repayments change committed money: finance's, with the funds permission.
LIVE = (Award.Status.COMMITTED, Award.Status.PAID, Award.Status.CLOSED)


def _lock_award(award_id: int, by: "User | None", *, doing: str) -> Award:
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("application", "line__budget__year")
        .get(pk=award_id)
    )
    reference = award.application.reference
    if by is not None and not by.has_perm(duties.VARY_AWARD):
        raise AwardError(f"{reference}: {duties.MISSING[duties.VARY_AWARD]}")
    if award.status not in LIVE or award.commitment_id is None:
        raise AwardError(f"{reference} is {award.get_status_display().lower()}, so you cannot {doing} it")
    return award


def _commitment_id(award: Award) -> int:
    """The award's live commitment; _lock_award has refused an award without one."""
    if award.commitment_id is None:
        raise AwardError(f"{award.application.reference} has no money committed")
    return award.commitment_id


def _paid_instalments(award: Award) -> tuple[int, Decimal]:
    """How many instalments are paid, and how much they came to."""
    row = award.payments.filter(payment__isnull=False).aggregate(n=Count("pk"), s=Sum("amount"))
    return row["n"], row["s"] or Decimal("0")


def _reprofile(award: Award, *, total: Decimal, instalments: int) -> None:
    """Spread what is left to pay over the instalments not yet paid, keeping their due dates and adding three-monthly
    ones after the last if there are more. Unpaid instalments hold no money (payment is empty), so they are rewritten
    here, only here."""
    paid_count, paid = _paid_instalments(award)
    left = total - paid
    unpaid = list(award.payments.filter(payment__isnull=True).order_by("number"))
    count = max(instalments - paid_count, 1) if left > 0 else 0
    dues = [p.due_on for p in unpaid]
    last_due = max((p.due_on for p in award.payments.all() if p.due_on), default=None)
    AwardPayment.objects.filter(pk__in=[p.pk for p in unpaid]).delete()
    if count == 0:
        return
    share = (left / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    number = (award.payments.aggregate(n=Max("number"))["n"] or 0) + 1
    for index in range(count):
        if index < len(dues):
            due_on = dues[index]
        else:
            last_due = _add_months(last_due or timezone.localdate(), 3)
            due_on = last_due
        amount = share if index < count - 1 else left - share * (count - 1)
        AwardPayment.objects.create(award=award, number=number + index, amount=amount, due_on=due_on)


def _settle_status(award: Award) -> None:
    if award.status == Award.Status.CLOSED:
        return
    status = (
        Award.Status.COMMITTED if award.payments.filter(payment__isnull=True).exists() else Award.Status.PAID
    )
    if status != award.status:
        award.status = status
        award.save(update_fields=["status"])


@transaction.atomic
def vary_award(
    *,
    award_id: int,
    amount: Decimal,
    by: "User",
    reason: str,
    line_id: int | None = None,
    instalments: int | None = None,
    decision_id: int | None = None,
) -> AwardVariation:
    """Change an approved award's amount, line or number of instalments, with a reason (and a PCC decision over the
    office's threshold). Up is checked against budget control under the line's lock; down releases the difference.
    Moving to another line of the round's budget is possible only while nothing has been paid."""
    award = _lock_award(award_id, by, doing="vary")
    reference = award.application.reference
    reason = (reason or "").strip()
    if not reason:
        raise AwardError("Give the reason for the variation")
    amount = Decimal(amount)
    line = BudgetLine.objects.select_related("budget").get(pk=line_id) if line_id else award.line
    instalments = instalments or award.instalments
    if instalments < 1 or instalments > 24:
        raise AwardError("The number of instalments must be between 1 and 24")
    if amount <= 0:
        raise AwardError(
            f"{reference}: the new amount must be more than £0. To stop the award, close it instead"
        )
    decision = Decision.objects.filter(pk=decision_id).first() if decision_id else None
    _paid_count, paid = _paid_instalments(award)
    if amount < paid:
        raise AwardError(
            f"{format_pounds(paid)} has already been paid on {reference}, so it cannot go below that"
        )
    if line.pk == award.line_id and amount == award.amount and instalments == award.instalments:
        raise AwardError(f"{reference}: nothing would change")
    before_amount, before_line, before_instalments = award.amount, award.line, award.instalments
    commitment_id = _commitment_id(award)
    try:
        if line.pk != award.line_id:
            if paid:
                raise AwardError(f"{reference} has payments from {award.line.name}, so it stays on that line")
            check_line_is_rounds(award.application, line)
            funds_services.require_permission(by, "funds.vary_commitment", "vary committed money")
            funds_services.check_variation_decision(
                what="This variation", change=amount - award.amount, decision=decision
            )
            funds_services.release_commitment(
                commitment_id=commitment_id, by=by, reason=f"Varied to {line.name}: {reason}"
            )
            commitment = funds_services.commit_to_line(
                line_id=line.pk, amount=amount, reference=str(award.application), committed_for=award, by=by
            )
            award.commitment = commitment
        elif amount != award.amount:
            funds_services.vary_commitment(
                commitment_id=commitment_id, new_amount=amount, by=by, reason=reason, decision=decision
            )
    except BudgetRuleError as exc:
        raise AwardError(f"{reference}: {exc}") from exc
    award.amount, award.line, award.instalments = amount, line, instalments
    if instalments > 1:
        award.schedule = Award.Schedule.INSTALMENTS
    award.save(update_fields=["amount", "line", "instalments", "schedule", "commitment"])
    _reprofile(award, total=amount, instalments=instalments)
    _settle_status(award)
    variation = AwardVariation.objects.create(
        award=award,
        amount_before=before_amount,
        amount_after=amount,
        line_before=before_line,
        line_after=line,
        instalments_before=before_instalments,
        instalments_after=instalments,
        reason=reason,
        decision=decision,
        varied_by=by,
    )
    record_event(
        "award.varied",
        obj=award,
        by=by,
        before={"amount": str(before_amount), "line": before_line.name, "instalments": before_instalments},
        after={"amount": str(amount), "line": line.name, "instalments": instalments},
        note=reason,
    )
    return variation


@transaction.atomic
def close_award(*, award_id: int, by: "User", reason: str) -> Award:
    """End an award with what is left unpaid released to its line: the grant finished under budget, or the rest will
    not be paid. Its unpaid instalments go; it reads "Closed, underspend released"."""
    award = _lock_award(award_id, by, doing="close")
    reference = award.application.reference
    if award.status == Award.Status.CLOSED:
        raise AwardError(f"{reference} is already closed")
    if not (reason or "").strip():
        raise AwardError("Give the reason for closing the award")
    try:
        change = funds_services.release_underspend(commitment_id=_commitment_id(award), by=by, reason=reason)
    except BudgetRuleError as exc:
        raise AwardError(f"{reference}: {exc}") from exc
    if change is None:
        raise AwardError(f"{reference} is paid in full, so there is no underspend to release")
    award.payments.filter(payment__isnull=True).delete()  # they hold no money: nothing was paid on them
    award.status = Award.Status.CLOSED
    award.save(update_fields=["status"])
    record_event(
        "award.closed",
        obj=award,
        by=by,
        before={"status": Award.Status.COMMITTED},
        after={"status": Award.Status.CLOSED, "released": str(-change.amount)},
        note=reason,
    )
    return award


@transaction.atomic
def record_award_repayment(
    *,
    award_id: int,
    amount: Decimal,
    received_on: datetime.date,
    reference: str,
    by: "User",
    reason: str,
    to_line_id: int | None = None,
) -> Award:
    """Money an organisation paid back (clawback of an unspent or misused grant): it returns to the award's line, or
    to a reserve of the same budget if finance chooses one."""
    award = _lock_award(award_id, by, doing="record a repayment on")
    try:
        funds_services.record_repayment(
            commitment_id=_commitment_id(award),
            amount=Decimal(amount),
            received_on=received_on,
            reference=reference,
            by=by,
            reason=reason,
            to_line_id=to_line_id,
        )
    except BudgetRuleError as exc:
        raise AwardError(f"{award.application.reference}: {exc}") from exc
    record_event(
        "award.repaid",
        obj=award,
        by=by,
        before=None,
        after={"repaid": str(amount), "received_on": received_on.isoformat(), "reference": reference},
        note=reason,
    )
    return award


@transaction.atomic
def carry_award_forward(*, award_id: int, by: "User", reason: str, decision_id: int | None = None) -> Award:
    """At the year end, carry what is unpaid on an award into the next year's matching line, with its budget; the
    award is then paid from the new commitment."""
    award = _lock_award(award_id, by, doing="carry forward")
    decision = Decision.objects.filter(pk=decision_id).first() if decision_id else None
    try:
        continued = funds_services.carry_forward(
            commitment_id=_commitment_id(award), by=by, reason=reason, decision=decision
        )
    except BudgetRuleError as exc:
        raise AwardError(f"{award.application.reference}: {exc}") from exc
    before_line = award.line
    award.commitment, award.line = continued, continued.line
    award.save(update_fields=["commitment", "line"])
    record_event(
        "award.carried_forward",
        obj=award,
        by=by,
        before={"line": str(before_line)},
        after={"line": str(continued.line), "amount": str(continued.amount)},
        note=reason,
    )
    return award
