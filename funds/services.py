"""Every write to money that carries a rule. Views, admin, tasks and commands call these and repeat none of the checks.

Lock order, always: a transfer request, then budgets (in id order), then line, then commitment, then payment; the
financial year's row last, and only by close_year. Racing writers queue on the budget row instead of deadlocking.

Who may act: a service given a person (`by`) checks that person's permission and wants a reason from them. `by=None`
is the system acting (the demo loader, a management command, a data migration), which holds every permission.
commit_to_line and release_commitment check no funds permission of their own: they are called by the services of what
the money is for (approving or cancelling an award, funding a service), which check theirs.
"""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from audit.services import record_event, record_status_change
from core.money import PENNY, format_pounds

from . import selectors
from .models import (
    Budget,
    BudgetEntry,
    BudgetLine,
    BudgetSection,
    Commitment,
    CommitmentChange,
    CouncilTaxBand,
    Decision,
    FinancialYear,
    FundingSource,
    Office,
    Payment,
    Precept,
    PreceptBand,
    ReportTable,
    TransferRequest,
)

if TYPE_CHECKING:
    from accounts.models import User


class BudgetRuleError(Exception):
    """A write refused because it would break a budget rule. The message is meant for the person who asked."""


class OverCommitment(BudgetRuleError):
    def __init__(self, *, what: str, requested: Decimal, remaining: Decimal):
        self.requested, self.remaining = requested, remaining
        super().__init__(
            f"{what} has {format_pounds(remaining)} left to commit, "
            f"which is {format_pounds(requested - remaining)} less than the {format_pounds(requested)} needed."
        )


class NotPermitted(BudgetRuleError):
    """The person acting does not hold the permission the write needs (accounts.roles says who does)."""


class YearClosed(BudgetRuleError):
    def __init__(self, year: FinancialYear):
        self.year = year
        super().__init__(f"{year} is closed, so its budgets and commitments cannot change.")


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(PENNY))


def _name(user: "User | None") -> str | None:
    return str(user) if user is not None else None


def _is_person(by: "User | None") -> bool:
    return by is not None and by.is_authenticated


def require_permission(by: "User | None", permission: str, doing: str) -> None:
    """Refuse unless the person acting holds `permission` ("funds.transfer_funds"). `by=None` is the system."""
    if by is None:
        return
    if not (by.is_authenticated and by.has_perm(permission)):
        raise NotPermitted(f"You do not have permission to {doing}.")


def _require_reason(by: "User | None", reason: str, ask: str) -> str:
    """Money changed by a person always says why; the system's own writes (the demo, imports by command) may not."""
    reason = (reason or "").strip()
    if _is_person(by) and not reason:
        raise BudgetRuleError(ask)
    return reason


def _office() -> Office:
    # An unsaved Office carries the model's default thresholds, so a deployment with no office row is not unguarded.
    return selectors.current_office() or Office()


def check_year_open(budget: Budget) -> None:
    """Refuse any change to a budget of a closed year. Call it after locking the budget: close_year locks every budget
    of the year before it marks the year closed, so the year is read fresh here, never from a row loaded earlier."""
    year = FinancialYear.objects.get(pk=budget.year_id)
    if year.is_closed:
        raise YearClosed(year)


def _lock_budgets(*budget_ids: int) -> dict[int, Budget]:
    # of=("self",): lock the budgets only, not the joined stream and year rows; close_year locks the year after the
    # budgets, and a writer that held the year through a join could deadlock with it.
    return {
        b.pk: b
        for b in Budget.objects.select_for_update(of=("self",))
        .select_related("stream__source", "year")
        .filter(pk__in=budget_ids)
        .order_by("pk")
    }


def _lock_line(line_id: int) -> tuple[BudgetLine, Budget]:
    budget_id = BudgetLine.objects.values_list("budget_id", flat=True).get(pk=line_id)
    budget = _lock_budgets(budget_id)[budget_id]
    line = BudgetLine.objects.select_for_update().get(pk=line_id)
    check_year_open(budget)
    return line, budget


@transaction.atomic
def commit_to_line(
    *,
    line_id: int,
    amount: Decimal,
    reference: str,
    committed_for: models.Model | None = None,
    by: "User | None" = None,
) -> Commitment:
    """Promise `amount` from a line. Refused if the line, or its budget's pot, would be over-committed, or if its
    year is closed. The reference is the reason: what the money is for."""
    amount = Decimal(amount)
    if amount <= 0:
        raise BudgetRuleError("A commitment must be for more than £0.")
    reference = _require_reason(by, reference, "Say what the money is committed for.")
    line, budget = _lock_line(line_id)
    line_remaining = line.amount - selectors.line_committed(line.pk)
    if amount > line_remaining:
        raise OverCommitment(what=f"{line.name} ({budget})", requested=amount, remaining=line_remaining)
    totals = selectors.budget_totals(budget.pk)
    if amount > totals.remaining:
        raise OverCommitment(what=f"The {budget} pot", requested=amount, remaining=totals.remaining)
    commitment = Commitment.objects.create(
        line=line,
        amount=amount,
        reference=reference,
        content_type=ContentType.objects.get_for_model(committed_for) if committed_for is not None else None,
        object_id=committed_for.pk if committed_for is not None else None,
        created_by=by if _is_person(by) else None,
    )
    record_event(
        "commitment.created",
        obj=commitment,
        by=by,
        before={"line_committed": _money(line.amount - line_remaining)},
        after={
            "line": str(line),
            "for": str(committed_for) if committed_for is not None else reference,
            "amount": _money(amount),
            "line_committed": _money(line.amount - line_remaining + amount),
        },
        note=reference,
    )
    return commitment


@transaction.atomic
def release_commitment(*, commitment_id: int, by: "User | None" = None, reason: str = "") -> Commitment:
    """Give an unpaid commitment's money back to its line (a declined or withdrawn award, a service's funding)."""
    reason = _require_reason(by, reason, "Say why the money is being released.")
    line_id = Commitment.objects.values_list("line_id", flat=True).get(pk=commitment_id)
    line, _budget = _lock_line(line_id)
    commitment = Commitment.objects.select_for_update().get(pk=commitment_id)
    if commitment.released_at:
        return commitment
    if selectors.commitment_paid(commitment.pk) > 0:
        raise BudgetRuleError("This commitment has payments against it, so it cannot be released.")
    commitment.released_at = timezone.now()
    commitment.save(update_fields=["released_at"])
    record_event(
        "commitment.released",
        obj=commitment,
        by=by,
        before={"commitment": commitment.reference, "line": str(line), "amount": _money(commitment.amount)},
        after=None,
        note=reason,
    )
    return commitment


@transaction.atomic
def release_unpaid_commitment(*, commitment_id: int, by: "User | None", reason: str) -> Commitment:
    """Finance releasing a commitment from the admin: one made for nothing else, with nothing paid. A commitment made
    for an award or a service is released from there (cancelling the award, releasing the service's funding), so
    that the award or the funding never says the money is still promised."""
    require_permission(by, "funds.release_commitment", "release committed money")
    line_id = Commitment.objects.values_list("line_id", flat=True).get(pk=commitment_id)
    _lock_line(line_id)
    commitment = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("content_type")
        .get(pk=commitment_id)
    )
    if commitment.released_at:
        raise BudgetRuleError(f"{commitment.reference} has already been released.")
    ct = commitment.content_type
    if ct is not None:
        if (ct.app_label, ct.model) == ("applications", "award"):
            raise BudgetRuleError(
                f"{commitment.reference} is an award's commitment: it is released by cancelling the award."
            )
        raise BudgetRuleError(
            f"{commitment.reference} is committed to a {ct.name}: release it from that {ct.name}'s page."
        )
    return release_commitment(commitment_id=commitment_id, by=by, reason=reason)


@transaction.atomic
def record_payment(
    *,
    commitment_id: int,
    amount: Decimal,
    paid_on: datetime.date,
    reference: str = "",
    by: "User | None" = None,
) -> Payment:
    """Money paid out against a commitment. The reference (the payment run or invoice) is the reason."""
    require_permission(by, "funds.record_payment", "record payments")
    reference = _require_reason(
        by, reference, "Give the payment a reference, such as the invoice or payment run."
    )
    amount = Decimal(amount)
    line_id = Commitment.objects.values_list("line_id", flat=True).get(pk=commitment_id)
    line, budget = _lock_line(line_id)
    check_payment_date(paid_on, budget=budget)
    commitment = Commitment.objects.select_for_update().get(pk=commitment_id)
    if commitment.released_at:
        raise BudgetRuleError("This commitment was released, so nothing can be paid against it.")
    paid = selectors.commitment_paid(commitment.pk)
    if amount <= 0 or paid + amount > commitment.amount:
        raise BudgetRuleError(
            f"{format_pounds(commitment.amount - paid)} is left to pay on {commitment.reference}; "
            f"a payment of {format_pounds(amount)} would pay more than was committed."
        )
    payment = Payment.objects.create(
        commitment=commitment,
        line_id=commitment.line_id,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        created_by=by if _is_person(by) else None,
    )
    record_event(
        "payment.made",
        obj=commitment,
        by=by,
        before={"paid": _money(paid)},
        after={
            "commitment": commitment.reference,
            "line": str(line),
            "amount": _money(amount),
            "paid_on": paid_on.isoformat(),
            "paid": _money(paid + amount),
        },
        note=reference,
    )
    return payment


def check_payment_date(paid_on: datetime.date, *, budget: Budget) -> None:
    """A payment is dated the day the money left (or came back): not in the future, not before the year its budget
    is for, and not in a closed year, whose paid figures are final. The year a payment counts in is its date's."""
    if not isinstance(paid_on, datetime.date):
        raise BudgetRuleError("Enter the date the payment was made.")
    if paid_on > timezone.localdate():
        raise BudgetRuleError("The date the payment was made must be today or in the past.")
    if paid_on < budget.year.starts_on:
        raise BudgetRuleError(
            f"The date must be on or after {budget.year.starts_on:%-d %B %Y}, the start of {budget.year}, "
            "the year this money is from."
        )
    year = FinancialYear.objects.filter(start_year=FinancialYear.containing(paid_on)).first()
    if year is not None and year.is_closed:
        raise BudgetRuleError(f"{year} is closed, so no payment can be dated in it.")


@transaction.atomic
def reverse_payment(*, payment_id: int, by: "User | None", reason: str) -> Payment:
    """Correct a payment recorded in error by a reversing entry: a payment of the opposite amount that points at it.
    Nothing is deleted; paid totals add the two and net to nothing. A payment is reversed at most once.

    The reversal carries the original's paid_on, so the year the payment was counted in nets out too; when it was
    made is its created_at."""
    require_permission(by, "funds.reverse_payment", "correct payments")
    reason = _require_reason(by, reason, "Say why the payment is being corrected.")
    commitment_id, line_id = Payment.objects.values_list("commitment_id", "line_id").get(pk=payment_id)
    line, _budget = _lock_line(line_id)
    commitment = Commitment.objects.select_for_update().get(pk=commitment_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.reverses_id:
        raise BudgetRuleError("This is itself a correction, so it cannot be corrected again.")
    if Payment.objects.filter(reverses=payment).exists():
        raise BudgetRuleError(
            f"The payment of {format_pounds(payment.amount)} on {payment.paid_on:%-d %B %Y} has already been corrected."
        )
    paid = selectors.commitment_paid(commitment.pk)
    reversal = Payment.objects.create(
        commitment=commitment,
        line_id=payment.line_id,
        amount=-payment.amount,
        paid_on=payment.paid_on,
        reference=f"Correction of {payment.reference or 'payment ' + str(payment.pk)}"[:120],
        reverses=payment,
        kind=Payment.Kind.CORRECTION,
        created_by=by if _is_person(by) else None,
    )
    record_event(
        "payment.reversed",
        obj=commitment,
        by=by,
        before={"paid": _money(paid)},
        after={
            "commitment": commitment.reference,
            "line": str(line),
            "reversed": f"{format_pounds(payment.amount)} paid on {payment.paid_on.isoformat()}",
            "amount": _money(-payment.amount),
            "paid": _money(paid - payment.amount),
        },
        note=reason,
    )
    return reversal


# --- After the money is committed: variations, underspends, repayments, carrying forward ------------------------


def check_variation_decision(
    *, what: str, change: Decimal, decision: Decision | None, office: Office | None = None
) -> None:
    """A change of more than the office's variation threshold, up or down, needs a made PCC decision."""
    office = office or _office()
    if abs(change) <= office.variation_decision_over:
        return
    if decision is None:
        raise BudgetRuleError(
            f"{what} changes the money by {format_pounds(abs(change))}, which is over "
            f"{format_pounds(office.variation_decision_over)}, so it needs a PCC decision. Choose the decision that "
            "agreed it."
        )
    if decision.status != Decision.Status.MADE:
        raise BudgetRuleError(
            f"PCC Decision {decision.number} is still a draft, so it cannot agree {what.lower()}."
        )


def _lock_commitment(commitment_id: int) -> tuple[Commitment, BudgetLine, Budget]:
    line_id = Commitment.objects.values_list("line_id", flat=True).get(pk=commitment_id)
    line, budget = _lock_line(line_id)
    commitment = Commitment.objects.select_for_update().get(pk=commitment_id)
    if commitment.released_at:
        raise BudgetRuleError(f"{commitment.reference} was released, so it cannot change.")
    return commitment, line, budget


def _change_commitment(
    commitment: Commitment,
    *,
    kind: str,
    change: Decimal,
    by: "User | None",
    reason: str,
    decision: Decision | None = None,
    line: BudgetLine,
) -> CommitmentChange:
    before = commitment.amount
    commitment.amount = before + change
    commitment.save(update_fields=["amount"])
    row = CommitmentChange.objects.create(
        commitment=commitment,
        kind=kind,
        amount=change,
        amount_before=before,
        reason=reason,
        decision=decision,
        created_by=by if _is_person(by) else None,
    )
    record_event(
        f"commitment.{kind}",
        obj=commitment,
        by=by,
        before={"amount": _money(before)},
        after={
            "commitment": commitment.reference,
            "line": str(line),
            "amount": _money(commitment.amount),
            "change": _money(change),
            "decision": decision.number if decision else None,
        },
        note=reason,
    )
    return row


@transaction.atomic
def vary_commitment(
    *,
    commitment_id: int,
    new_amount: Decimal,
    by: "User | None",
    reason: str,
    decision: Decision | None = None,
) -> CommitmentChange:
    """Change what is committed, up or down, on the same line: an agreed variation of an award or a contract.

    Checked against budget control under the same locks as a new commitment (the line, then its budget's pot), so a
    variation and an approval racing for the same line cannot both take its last pounds. Never below what is paid.
    A change over the office's variation threshold needs a made PCC decision."""
    require_permission(by, "funds.vary_commitment", "vary committed money")
    reason = _require_reason(by, reason, "Say why the money is being varied.")
    new_amount = Decimal(new_amount)
    commitment, line, budget = _lock_commitment(commitment_id)
    change = new_amount - commitment.amount
    if change == 0:
        raise BudgetRuleError(
            f"{commitment.reference} is already {format_pounds(new_amount)}: nothing to vary."
        )
    paid = selectors.commitment_paid(commitment.pk)
    if new_amount < paid:
        raise BudgetRuleError(
            f"{format_pounds(paid)} has already been paid on {commitment.reference}, so it cannot be varied below that."
        )
    if new_amount <= 0:
        raise BudgetRuleError(
            "A variation cannot take a commitment to £0: release it or cancel what it is for."
        )
    check_variation_decision(what="This variation", change=change, decision=decision, office=_office())
    if change > 0:
        line_remaining = line.amount - selectors.line_committed(line.pk)
        if change > line_remaining:
            raise OverCommitment(what=f"{line.name} ({budget})", requested=change, remaining=line_remaining)
        totals = selectors.budget_totals(budget.pk)
        if change > totals.remaining:
            raise OverCommitment(what=f"The {budget} pot", requested=change, remaining=totals.remaining)
    return _change_commitment(
        commitment,
        kind=CommitmentChange.Kind.VARIATION,
        change=change,
        by=by,
        reason=reason,
        decision=decision,
        line=line,
    )


@transaction.atomic
def release_underspend(*, commitment_id: int, by: "User | None", reason: str) -> CommitmentChange | None:
    """At the end of a grant or contract, give back to the line what will not be spent: the commitment comes down to
    what was paid. None if nothing is left to release."""
    require_permission(by, "funds.vary_commitment", "release an underspend")
    reason = _require_reason(by, reason, "Say why the underspend is being released.")
    commitment, line, _budget = _lock_commitment(commitment_id)
    unpaid = commitment.amount - selectors.commitment_paid(commitment.pk)
    if unpaid <= 0:
        return None
    return _change_commitment(
        commitment, kind=CommitmentChange.Kind.UNDERSPEND, change=-unpaid, by=by, reason=reason, line=line
    )


@transaction.atomic
def record_repayment(
    *,
    commitment_id: int,
    amount: Decimal,
    received_on: datetime.date,
    reference: str,
    by: "User | None",
    reason: str,
    to_line_id: int | None = None,
) -> Payment:
    """Money paid back (clawback): a negative payment on the commitment, and the commitment lowered by as much, so
    the money returns to the line it came from. With `to_line_id` (a reserve of the same budget), finance moves that
    much of the line's budget to the reserve instead. Never more back than was paid."""
    require_permission(by, "funds.vary_commitment", "record money repaid")
    reason = _require_reason(by, reason, "Say why the money was repaid.")
    reference = _require_reason(
        by, reference, "Give the repayment a reference, such as the remittance or receipt."
    )
    amount = Decimal(amount)
    if amount <= 0:
        raise BudgetRuleError("The amount repaid must be more than £0.")
    commitment, line, budget = _lock_commitment(commitment_id)
    check_payment_date(received_on, budget=budget)
    paid = selectors.commitment_paid(commitment.pk)
    if amount > paid:
        raise BudgetRuleError(
            f"{format_pounds(paid)} has been paid on {commitment.reference}, so no more than that can be repaid."
        )
    reserve = None
    if to_line_id is not None and to_line_id != line.pk:
        reserve = (
            BudgetLine.objects.select_for_update()
            .filter(pk=to_line_id, budget_id=budget.pk)
            .order_by()
            .first()
        )
        if reserve is None:
            raise BudgetRuleError(f"Choose a line of {budget} for the repaid money.")
    payment = Payment.objects.create(
        commitment=commitment,
        line_id=commitment.line_id,
        amount=-amount,
        paid_on=received_on,
        reference=reference,
        kind=Payment.Kind.REPAYMENT,
        created_by=by if _is_person(by) else None,
    )
    _change_commitment(
        commitment, kind=CommitmentChange.Kind.REPAID, change=-amount, by=by, reason=reason, line=line
    )
    if reserve is not None:
        line_before, reserve_before = line.amount, reserve.amount
        line.amount -= amount
        reserve.amount += amount
        line.save(update_fields=["amount"])
        reserve.save(update_fields=["amount"])
        record_event(
            "line.repayment_to_reserve",
            obj=line,
            by=by,
            before={str(line): _money(line_before), str(reserve): _money(reserve_before)},
            after={str(line): _money(line.amount), str(reserve): _money(reserve.amount)},
            note=reason,
        )
    return payment


@transaction.atomic
def carry_forward(
    *, commitment_id: int, by: "User | None", reason: str, decision: Decision | None = None
) -> Commitment:
    """Carry a commitment's unpaid part into the next financial year, with its budget: the old line and pot give up
    that much (a transfer out, so the old year's figures stay whole and nothing can commit it again there), the
    matching line of the next year's budget gains it, and a new commitment there continues this one. The next year's
    structure must exist (roll_forward_year makes it)."""
    require_permission(by, "funds.carry_forward_commitment", "carry commitments forward")
    reason = _require_reason(by, reason, "Say why the money is being carried forward.")
    old = Commitment.objects.select_related("line__budget__year", "line__area").get(pk=commitment_id)
    next_start = old.line.budget.year.start_year + 1
    target = selectors.open_line_like(old.line, on=datetime.date(next_start, 4, 1))
    if target is None:
        raise BudgetRuleError(
            f"{old.line.name} has no line in an open {FinancialYear(start_year=next_start)} budget. Roll "
            f"{old.line.budget.year} forward first."
        )
    budgets = _lock_budgets(old.line.budget_id, target.budget_id)
    for b in budgets.values():
        check_year_open(b)
    line = BudgetLine.objects.select_for_update().get(pk=old.line_id)
    target = BudgetLine.objects.select_for_update().get(pk=target.pk)
    commitment = Commitment.objects.select_for_update().get(pk=commitment_id)
    if commitment.released_at:
        raise BudgetRuleError(f"{commitment.reference} was released, so it cannot be carried forward.")
    if hasattr(commitment, "carried_to"):
        raise BudgetRuleError(f"{commitment.reference} has already been carried forward.")
    unpaid = commitment.amount - selectors.commitment_paid(commitment.pk)
    if unpaid <= 0:
        raise BudgetRuleError(f"{commitment.reference} is paid in full: there is nothing to carry forward.")
    check_variation_decision(what="Carrying this forward", change=unpaid, decision=decision, office=_office())
    old_budget, new_budget = budgets[line.budget_id], budgets[target.budget_id]
    _change_commitment(
        commitment,
        kind=CommitmentChange.Kind.CARRIED_FORWARD,
        change=-unpaid,
        by=by,
        reason=reason,
        decision=decision,
        line=line,
    )
    line.amount -= unpaid
    target.amount += unpaid
    line.save(update_fields=["amount"])
    target.save(update_fields=["amount"])
    _transfer_entries(
        source=old_budget,
        target=new_budget,
        amount=unpaid,
        decision=decision,
        note=f"Carried forward: {commitment.reference}"[:250],
        by=by,
    )
    continued = Commitment.objects.create(
        line=target,
        amount=unpaid,
        reference=commitment.reference,
        content_type_id=commitment.content_type_id,
        object_id=commitment.object_id,
        carried_from=commitment,
        created_by=by if _is_person(by) else None,
    )
    record_event(
        "commitment.carried_in",
        obj=continued,
        by=by,
        before=None,
        after={
            "from": str(line),
            "to": str(target),
            "amount": _money(unpaid),
            "decision": decision and decision.number,
        },
        note=reason,
    )
    return continued


@transaction.atomic
def roll_forward_year(*, year_id: int, by: "User | None", reason: str = "") -> FinancialYear:
    """Make the next year's budget structure from this year's, ready for its new pots: a budget for each stream, the
    same sections and lines (areas, reserves, ring-fences, commissioning lines, with their finance codes) at £0, and
    the annual report's table settings. What already exists next year is kept as it is, so running it twice adds
    nothing."""
    require_permission(by, "funds.roll_forward_year", "roll a year forward")
    reason = _require_reason(by, reason, "Say why the year is being rolled forward.")
    year = FinancialYear.objects.get(pk=year_id)
    target_year = get_or_create_year(year.start_year + 1)
    if target_year.is_closed:
        raise YearClosed(target_year)
    made = {"budgets": 0, "sections": 0, "lines": 0, "report_tables": 0}
    for budget in Budget.objects.filter(year=year).select_related("stream").order_by("pk"):
        new_budget, created = Budget.objects.get_or_create(stream=budget.stream, year=target_year)
        made["budgets"] += created
        sections: dict[int | None, BudgetSection | None] = {None: None}
        for section in budget.sections.order_by("order", "pk"):
            new_section, created = BudgetSection.objects.get_or_create(
                budget=new_budget,
                heading=section.heading,
                defaults={"subtotal_label": section.subtotal_label, "order": section.order},
            )
            sections[section.pk] = new_section
            made["sections"] += created
        for line in budget.lines.select_related("area").order_by("pk"):
            # An area replaced at a boundary change passes its line to its successor; one simply ended gets none.
            area = line.area.rolled_up_to(target_year.starts_on) if line.area is not None else None
            if area is not None and not area.is_valid_on(target_year.starts_on):
                continue
            _new_line, created = BudgetLine.objects.get_or_create(
                budget=new_budget,
                section=sections.get(line.section_id),
                name=line.name,
                defaults={
                    "kind": line.kind,
                    "area": area,
                    "amount": Decimal("0.00"),
                    "order": line.order,
                    "cost_centre": line.cost_centre,
                    "nominal_code": line.nominal_code,
                    "illustrative": line.illustrative,
                },
            )
            made["lines"] += created
    for table in ReportTable.objects.filter(year=year):
        if not ReportTable.objects.filter(year=target_year, stream=table.stream).exists():
            table.pk = None
            table.year = target_year
            table.save()
            made["report_tables"] += 1
    record_event(
        "year.rolled_forward",
        obj=target_year,
        by=by,
        before=None,
        # Counts, named so the audit trail does not read them as ids of budgets or lines.
        after={"from": str(year), "to": str(target_year), **{f"{what}_made": n for what, n in made.items()}},
        note=reason,
    )
    return target_year


def _check_source_may_fund(
    source: FundingSource | None, target: Budget, *, moving_from: Budget | None = None
) -> None:
    if source is None:
        return
    refusal = source.refusal_for(target.stream.purpose)
    if refusal:
        where = f"from {moving_from} to {target}" if moving_from else f"into {target}"
        raise BudgetRuleError(
            f"{refusal}, so it cannot go {where} ({target.stream.get_purpose_display().lower()})."
        )


def _check_decision(*, what: str, amount: Decimal, decision: Decision | None, office: Office) -> None:
    if amount <= office.transfer_decision_over:
        return
    if decision is None:
        raise BudgetRuleError(
            f"{what} of {format_pounds(amount)} is over {format_pounds(office.transfer_decision_over)}, so it needs "
            "a PCC decision. Choose the decision that agreed it."
        )
    if decision.status != Decision.Status.MADE:
        raise BudgetRuleError(
            f"PCC Decision {decision.number} is still a draft, so it cannot agree {what.lower()}."
        )


@transaction.atomic
def add_to_pot(
    *,
    budget_id: int,
    amount: Decimal,
    kind: str = BudgetEntry.Kind.ALLOCATION,
    source: FundingSource | None = None,
    decision: Decision | None = None,
    note: str = "",
    by: "User | None" = None,
) -> BudgetEntry:
    """Money into (or, as a reduction, out of) a budget's pot. A top-up over the office's threshold needs a PCC
    decision; money from a source is refused where its terms do not allow the stream's purpose."""
    require_permission(by, "funds.transfer_funds", "change a budget's pot")
    note = _require_reason(by, note, "Say why the pot is changing.")
    amount = Decimal(amount)
    budget = _lock_budgets(budget_id)[budget_id]
    check_year_open(budget)
    _check_source_may_fund(source, budget)
    if kind == BudgetEntry.Kind.TOP_UP:
        _check_decision(what="A top-up", amount=amount, decision=decision, office=_office())
    before = selectors.budget_totals(budget.pk)
    if amount < 0 and before.committed > before.pot + amount:
        raise BudgetRuleError(
            f"{budget} has {format_pounds(before.committed)} committed; its pot cannot go below that."
        )
    entry = BudgetEntry.objects.create(
        budget=budget,
        kind=kind,
        amount=amount,
        source=source,
        decision=decision,
        note=note,
        created_by=by if _is_person(by) else None,
    )
    record_event(
        "budget.pot_changed",
        obj=budget,
        by=by,
        before={"pot": _money(before.pot)},
        after={
            "pot": _money(before.pot + amount),
            "change": f"{BudgetEntry.Kind(kind).label} of {format_pounds(amount)}",
            "source": str(source) if source else None,
            "decision": decision.number if decision else None,
        },
        note=note,
    )
    return entry


def _check_transfer(*, source: Budget, target: Budget, amount: Decimal, decision: Decision | None) -> None:
    """The rules on the money itself, checked under lock when a transfer is asked for and again when it is made."""
    check_year_open(source)
    check_year_open(target)
    _check_source_may_fund(source.stream.source, target, moving_from=source)
    totals = selectors.budget_totals(source.pk)
    # The pot must still cover every line, not only what is committed: lines are promises to areas and projects.
    if amount > totals.pot - totals.allocated:
        shortfall = amount - max(totals.pot - totals.allocated, Decimal("0.00"))
        raise BudgetRuleError(
            f"Moving {format_pounds(amount)} would leave {source} over-allocated by {format_pounds(shortfall)}: its "
            f"lines add up to {format_pounds(totals.allocated)} and its pot would be "
            f"{format_pounds(totals.pot - amount)}. Reduce its lines first."
        )
    _check_decision(what="A transfer", amount=amount, decision=decision, office=_office())


def _check_two_budgets(from_budget_id: int, to_budget_id: int, amount: Decimal) -> None:
    if amount <= 0:
        raise BudgetRuleError("A transfer must be for more than £0.")
    if from_budget_id == to_budget_id:
        raise BudgetRuleError("Choose two different budgets to transfer between.")


def _transfer_entries(
    *,
    source: Budget,
    target: Budget,
    amount: Decimal,
    decision: Decision | None,
    note: str,
    by: "User | None",
    countersigned_by: "User | None" = None,
) -> uuid.UUID:
    """The two ledger entries of money moving between pots (a transfer, or a carry-forward into the next year), which
    always appear together under one reference. The caller has locked both budgets and checked the move."""
    reference = uuid.uuid4()
    for budget, kind, signed, other in (
        (source, BudgetEntry.Kind.TRANSFER_OUT, -amount, target),
        (target, BudgetEntry.Kind.TRANSFER_IN, amount, source),
    ):
        BudgetEntry.objects.create(
            budget=budget,
            kind=kind,
            amount=signed,
            counterpart=other,
            transfer_reference=reference,
            decision=decision,
            note=note,
            created_by=by if _is_person(by) else None,
            countersigned_by=countersigned_by,
        )
    return reference


@transaction.atomic
def transfer_between_budgets(
    *,
    from_budget_id: int,
    to_budget_id: int,
    amount: Decimal,
    decision: Decision | None = None,
    note: str = "",
    by: "User | None" = None,
    countersigned_by: "User | None" = None,
) -> uuid.UUID:
    """Move money from one stream's pot to another's, as two ledger entries that always appear together.

    Over the office's second-signature threshold it needs `countersigned_by`, a different person holding
    funds.countersign; people ask for that through request_transfer, which calls this once countersigned.
    """
    amount = Decimal(amount)
    require_permission(by, "funds.transfer_funds", "move money between budgets")
    note = _require_reason(by, note, "Say why the money is moving.")
    _check_two_budgets(from_budget_id, to_budget_id, amount)
    budgets = _lock_budgets(from_budget_id, to_budget_id)
    source, target = budgets[from_budget_id], budgets[to_budget_id]
    _check_transfer(source=source, target=target, amount=amount, decision=decision)
    office = _office()
    if amount > office.second_signature_over:
        if countersigned_by is None:
            raise BudgetRuleError(
                f"A transfer of {format_pounds(amount)} is over {format_pounds(office.second_signature_over)}, so "
                "it needs a second signature from a different finance approver."
            )
        if by is not None and countersigned_by.pk == by.pk:
            raise BudgetRuleError(
                "The person who asked for a transfer cannot also give its second signature."
            )
        require_permission(countersigned_by, "funds.countersign", "give the second signature on a transfer")
    reference = _transfer_entries(
        source=source,
        target=target,
        amount=amount,
        decision=decision,
        note=note,
        by=by,
        countersigned_by=countersigned_by,
    )
    after = {
        "from": str(source),
        "to": str(target),
        "amount": _money(amount),
        "decision": decision.number if decision else None,
        "asked_by": _name(by),
        "countersigned_by": _name(countersigned_by),
        "reference": str(reference),
    }
    record_event("budget.transfer", obj=source, by=by, before=None, after=after, note=note)
    record_event("budget.transfer_received", obj=target, by=by, before=None, after=after, note=note)
    return reference


@transaction.atomic
def request_transfer(
    *,
    from_budget_id: int,
    to_budget_id: int,
    amount: Decimal,
    decision: Decision | None = None,
    note: str,
    by: "User",
) -> TransferRequest:
    """A person moving money: at or below the office's second-signature threshold the transfer is made at once;
    above it the request waits for a different person to countersign (approve_transfer). Either way it is checked
    now, so a transfer that could never be made is refused to the person asking."""
    amount = Decimal(amount)
    require_permission(by, "funds.transfer_funds", "move money between budgets")
    note = _require_reason(by, note, "Say why the money is moving.")
    _check_two_budgets(from_budget_id, to_budget_id, amount)
    request = TransferRequest(
        from_budget_id=from_budget_id,
        to_budget_id=to_budget_id,
        amount=amount,
        decision=decision,
        note=note,
        requested_by=by,
    )
    if amount <= _office().second_signature_over:
        request.transfer_reference = transfer_between_budgets(
            from_budget_id=from_budget_id,
            to_budget_id=to_budget_id,
            amount=amount,
            decision=decision,
            note=note,
            by=by,
        )
        request.status, request.decided_at = TransferRequest.Status.APPROVED, timezone.now()
        request.decision_note = "At or under the second-signature threshold, so made at once."
        request.save()
        return request
    budgets = _lock_budgets(from_budget_id, to_budget_id)
    _check_transfer(
        source=budgets[from_budget_id], target=budgets[to_budget_id], amount=amount, decision=decision
    )
    request.save()
    record_event(
        "transfer.requested",
        obj=request,
        by=by,
        before=None,
        after={
            "from": str(budgets[from_budget_id]),
            "to": str(budgets[to_budget_id]),
            "amount": _money(amount),
            "decision": decision.number if decision else None,
        },
        note=note,
    )
    return request


def _lock_pending_request(request_id: int) -> TransferRequest:
    request = (
        TransferRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .get(pk=request_id)
    )
    if request.status != TransferRequest.Status.PENDING:
        raise BudgetRuleError(f"This transfer has already been {request.get_status_display().lower()}.")
    return request


@transaction.atomic
def approve_transfer(*, request_id: int, by: "User", note: str = "") -> TransferRequest:
    """The second signature: a different person holding funds.countersign makes the requested transfer. The request
    row is locked first, so two approvers acting at once make one transfer and the second is told it is done."""
    require_permission(by, "funds.countersign", "give the second signature on a transfer")
    request = _lock_pending_request(request_id)
    # transfer_between_budgets refuses a countersigner who is the person who asked: the one copy of that rule.
    request.transfer_reference = transfer_between_budgets(
        from_budget_id=request.from_budget_id,
        to_budget_id=request.to_budget_id,
        amount=request.amount,
        decision=request.decision,
        note=request.note,
        by=request.requested_by,
        countersigned_by=by,
    )
    request.status, request.decided_by, request.decided_at = (
        TransferRequest.Status.APPROVED,
        by,
        timezone.now(),
    )
    request.decision_note = (note or "").strip()[:250]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "transfer_reference"])
    record_status_change(
        "transfer.approved", obj=request, from_status="pending", to_status="approved", by=by, reason=note
    )
    return request


@transaction.atomic
def refuse_transfer(*, request_id: int, by: "User", reason: str) -> TransferRequest:
    require_permission(by, "funds.countersign", "refuse a transfer")
    reason = _require_reason(by, reason, "Say why the transfer is refused.")
    request = _lock_pending_request(request_id)
    request.status, request.decided_by, request.decided_at = (
        TransferRequest.Status.REFUSED,
        by,
        timezone.now(),
    )
    request.decision_note = reason[:250]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record_status_change(
        "transfer.refused", obj=request, from_status="pending", to_status="refused", by=by, reason=reason
    )
    return request


def check_line_change(*, line: BudgetLine, amount: Decimal | None = None, delete: bool = False) -> None:
    """Refuse an allocation below what is committed against the line, or deleting a line with money against it.

    The one copy of the rule: save_line() and delete_line() call it under lock, and the admin budget page calls it
    while validating, so the refusal appears beside the line instead of after the save.
    """
    committed = selectors.line_committed(line.pk)
    if delete and committed:
        raise BudgetRuleError(
            f"{line.name} has {format_pounds(committed)} committed, so it cannot be deleted."
        )
    if delete and (
        Commitment.objects.filter(line_id=line.pk).exists()
        or Payment.objects.filter(line_id=line.pk).exists()
    ):
        raise BudgetRuleError(
            f"{line.name} has had money committed or paid from it, so it cannot be deleted."
        )
    if amount is not None and amount < committed:
        raise BudgetRuleError(
            f"{line.name} has {format_pounds(committed)} committed, so its allocation cannot be less than that."
        )


@transaction.atomic
def save_line(*, line: BudgetLine, by: "User | None" = None, reason: str = "") -> BudgetLine:
    """Create or change a line's allocation. It can never drop below what is already committed against it.

    The reason is asked for by funds' own pages (the budget page, the line page, the import); needs adoption calls
    this without one, its decision saying why, so a blank reason is not refused here."""
    require_permission(
        by, "funds.change_budgetline" if line.pk else "funds.add_budgetline", "change budget lines"
    )
    before = None
    if line.pk:
        locked, _budget = _lock_line(line.pk)
        before = {"line": str(locked), "amount": _money(locked.amount)}
        check_line_change(line=line, amount=line.amount)
        if line.budget_id != locked.budget_id:  # moved to another budget: that one must be open too
            check_year_open(_lock_budgets(line.budget_id)[line.budget_id])
    else:
        check_year_open(_lock_budgets(line.budget_id)[line.budget_id])
    line.full_clean()
    line.save()
    record_event(
        "line.saved",
        obj=line,
        by=by,
        before=before,
        after={"line": str(line), "amount": _money(line.amount)},
        note=(reason or "").strip(),
    )
    return line


@transaction.atomic
def delete_line(*, line_id: int, by: "User | None" = None, reason: str = "") -> None:
    """Delete a line nothing has been committed from. Anything else that points at it (an award, a contract, a
    ring-fence, a needs assessment) protects it too; admin lists those before it gets here."""
    require_permission(by, "funds.delete_budgetline", "delete budget lines")
    reason = _require_reason(by, reason, "Say why the line is being deleted.")
    line, _budget = _lock_line(line_id)
    check_line_change(line=line, delete=True)
    record_event(
        "line.deleted",
        obj=line,
        by=by,
        before={"line": str(line), "amount": _money(line.amount)},
        after=None,
        note=reason,
    )
    try:
        line.delete()
    except (
        ProtectedError
    ) as exc:  # raised before anything is deleted; the transaction drops the event with it
        raise BudgetRuleError(f"{line.name} is in use, so it cannot be deleted.") from exc


@transaction.atomic
def save_section(*, section: BudgetSection, by: "User | None" = None) -> BudgetSection:
    """A heading of a budget's printed table: part of the budget, so it is frozen with its year."""
    require_permission(by, "funds.change_budget", "change budgets")
    check_year_open(_lock_budgets(section.budget_id)[section.budget_id])
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def delete_section(*, section_id: int, by: "User | None" = None) -> None:
    require_permission(by, "funds.change_budget", "change budgets")
    budget_id = BudgetSection.objects.values_list("budget_id", flat=True).get(pk=section_id)
    check_year_open(_lock_budgets(budget_id)[budget_id])
    section = BudgetSection.objects.get(pk=section_id)
    try:
        section.delete()
    except ProtectedError as exc:
        raise BudgetRuleError(f"{section.heading} still has lines, so it cannot be deleted.") from exc


@transaction.atomic
def close_year(*, year_id: int, by: "User", reason: str) -> FinancialYear:
    """Close a financial year: from now on every money service refuses its budgets, lines and commitments.

    Every budget of the year is locked first (the order every writer uses), so a write already under way finishes
    before the year closes and none starts after; the year's figures are recorded as they stood."""
    if by is None:
        raise NotPermitted("A financial year is closed by a person, who is recorded as closing it.")
    require_permission(by, "funds.close_financialyear", "close a financial year")
    reason = _require_reason(by, reason, "Say why the year is being closed.")
    budget_ids = list(Budget.objects.filter(year_id=year_id).order_by("pk").values_list("pk", flat=True))
    _lock_budgets(*budget_ids)
    year = FinancialYear.objects.select_for_update().get(pk=year_id)
    if year.is_closed:
        raise BudgetRuleError(
            f"{year} was already closed on {timezone.localtime(year.closed_at):%-d %B %Y} by {year.closed_by}."
        )
    year.closed_at, year.closed_by, year.close_reason = timezone.now(), by, reason
    year.save(update_fields=["closed_at", "closed_by", "close_reason"])
    figures = {
        str(b): {
            "pot": _money(b.pot),  # type: ignore[attr-defined]  # annotated by budgets_for_year
            "allocated": _money(b.allocated),  # type: ignore[attr-defined]
            "committed": _money(b.committed),  # type: ignore[attr-defined]
        }
        for b in selectors.budgets_for_year(year)
    }
    record_event(
        "year.closed",
        obj=year,
        by=by,
        before={"closed": False},
        after={"closed": True, "closed_by": _name(by), "budgets": figures},
        note=reason,
    )
    return year


def _check_precept_year(year_id: int) -> FinancialYear:
    # A closed year's tables are published and rebuilt byte for byte (reports.exports.budget_tables): its precept,
    # printed in its own table and the next year's, stays as it was. The year's row is the only lock a precept
    # write takes, so it queues behind close_year (or close_year behind it) and cannot deadlock with it.
    year = FinancialYear.objects.select_for_update().get(pk=year_id)
    if year.is_closed:
        raise BudgetRuleError(f"{year} is closed, so its precept cannot change.")
    return year


def _check_precept_amount(amount: Decimal, what: str) -> Decimal:
    # The form's PoundsField (core.money.parse_pounds) reads what a person types; this is the rule for every caller.
    amount = Decimal(amount)
    if amount <= 0 or amount != amount.quantize(PENNY) or amount > Decimal("9999999999.99"):
        raise BudgetRuleError(f"Enter {what} in pounds and pence greater than 0, like 215.55")
    return amount


def _precept_record(precept: Precept) -> dict:
    return {
        "band_d": _money(precept.band_d),
        "decision": precept.decision.number if precept.decision else None,
        "notes": precept.notes,
    }


@transaction.atomic
def set_precept(
    year_id: int,
    band_d: Decimal,
    *,
    by: "User | None",
    reason: str,
    decision: Decision | None = None,
    notes: str | None = None,
) -> Precept:
    """Enter or correct a year's Band D precept (and the decision that set it, and notes on where it comes from).

    Every band of the precept table is computed from it (funds.precept), so this is the one figure the office types.
    Refused for a closed year; the change is recorded in the audit trail with the figure before and after."""
    require_permission(by, "funds.change_precept", "change the police precept")
    reason = _require_reason(by, reason, "Say why the precept is being entered or changed.")
    band_d = _check_precept_amount(band_d, "Band D")
    year = _check_precept_year(year_id)
    # The year's lock (above) serialises every write to its precept, so the precept is read, not locked.
    precept = Precept.objects.select_related("decision").filter(year=year).first()
    before = _precept_record(precept) if precept else None
    if precept is None:
        precept = Precept(year=year)
    precept.band_d = band_d
    if decision is not None or precept.pk is None:
        precept.decision = decision
    if notes is not None:
        precept.notes = notes
    if before is not None and _precept_record(precept) == before:
        return precept
    precept.save()
    record_event(
        "precept.set", obj=precept, by=by, before=before, after=_precept_record(precept), note=reason
    )
    return precept


@transaction.atomic
def set_precept_band(
    *, precept_id: int, band: str, amount: Decimal, by: "User | None", reason: str
) -> PreceptBand:
    """Type in one band's precept as the council's resolution printed it. It prints nothing: the Checks flag it when
    it disagrees with Band D times the band's proportion (funds.precept), so a typing slip in either is caught."""
    require_permission(by, "funds.change_precept", "change the police precept")
    reason = _require_reason(by, reason, "Say why the band is being entered or changed.")
    if band not in CouncilTaxBand.values:
        raise BudgetRuleError(f"Choose a council tax band from A to I, not {band!r}.")
    amount = _check_precept_amount(amount, "the band's precept")
    precept = Precept.objects.select_related("year").get(pk=precept_id)
    _check_precept_year(precept.year_id)
    typed = PreceptBand.objects.filter(precept=precept, band=band).first()
    before = {"band": band, "amount": _money(typed.amount)} if typed else None
    if typed is not None and typed.amount == amount:
        return typed
    typed, _ = PreceptBand.objects.update_or_create(precept=precept, band=band, defaults={"amount": amount})
    record_event(
        "precept.band_typed",
        obj=precept,
        by=by,
        before=before,
        after={"band": band, "amount": _money(amount)},
        note=reason,
    )
    return typed


def get_or_create_year(start_year: int) -> FinancialYear:
    """The financial year that starts in April of `start_year`, made the first time anything needs it."""
    year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
    return year


def get_or_create_budget(*, stream_id: int, year_id: int) -> Budget:
    """A stream's budget for a year, made empty the first time anything needs it: its pot comes from the ledger."""
    budget = Budget.objects.filter(stream_id=stream_id, year_id=year_id).first()
    if budget is None:
        year = FinancialYear.objects.get(pk=year_id)
        if year.is_closed:
            raise YearClosed(year)
        budget, _ = Budget.objects.get_or_create(stream_id=stream_id, year_id=year_id)
    return budget


def get_or_create_section(
    *, budget_id: int, heading: str, subtotal_label: str = "Sub-Total"
) -> BudgetSection:
    """The section of a budget with this heading; a new one is added with `subtotal_label` under it."""
    section = BudgetSection.objects.filter(budget_id=budget_id, heading=heading).first()
    if section is None:
        with transaction.atomic():
            check_year_open(_lock_budgets(budget_id)[budget_id])
            section, _ = BudgetSection.objects.get_or_create(
                budget_id=budget_id, heading=heading, defaults={"subtotal_label": subtotal_label}
            )
    return section


@transaction.atomic
def record_decision(
    *,
    number: str,
    title: str,
    status: str,
    public_summary: str,
    budget_ids: tuple[int, ...] | list[int] = (),
    line_ids: tuple[int, ...] | list[int] = (),
) -> Decision:
    """The PCC decision with this number, made or brought up to date, and the budgets and lines it covers."""
    decision, _ = Decision.objects.update_or_create(
        number=number, defaults={"title": title, "status": status, "public_summary": public_summary}
    )
    decision.budgets.add(*budget_ids)
    decision.lines.add(*line_ids)
    return decision


@dataclass
class LineChange:
    row: int
    action: str  # "create", "update" or "unchanged"
    stream: str
    section: str
    name: str
    area: str
    before: Decimal | None
    after: Decimal

    def describe(self) -> str:
        where = f"{self.stream}: {self.section + ' / ' if self.section else ''}{self.name}"
        if self.action == "create":
            return f"Row {self.row}: add {where} at {format_pounds(self.after)}"
        if self.action == "update":
            return f"Row {self.row}: change {where} from {format_pounds(self.before)} to {format_pounds(self.after)}"
        return f"Row {self.row}: {where} stays at {format_pounds(self.after)}"
