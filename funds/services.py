"""Every write to money that carries a rule. Views, admin, tasks and commands call these and repeat none of the checks.

Lock order, always: budget, then line, then commitment. Racing writers queue on the budget row instead of deadlocking.
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

from audit.services import record_event
from core.money import PENNY, format_pounds

from . import selectors
from .models import (
    Budget,
    BudgetEntry,
    BudgetLine,
    BudgetSection,
    Commitment,
    Decision,
    FinancialYear,
    FundingSource,
    Payment,
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


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(PENNY))


def _lock_line(line_id: int) -> tuple[BudgetLine, Budget]:
    budget_id = BudgetLine.objects.values_list("budget_id", flat=True).get(pk=line_id)
    budget = Budget.objects.select_for_update().select_related("stream", "year").get(pk=budget_id)
    line = BudgetLine.objects.select_for_update().get(pk=line_id)
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
    """Promise `amount` from a line. Refused if the line, or its budget's pot, would be over-committed."""
    amount = Decimal(amount)
    if amount <= 0:
        raise BudgetRuleError("A commitment must be for more than £0.")
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
        created_by=by if by is not None and by.is_authenticated else None,
    )
    record_event(
        "commitment.created",
        obj=commitment,
        by=by,
        before={"line_committed": str(line.amount - line_remaining)},
        after={
            "line": line.pk,
            "amount": str(amount),
            "line_committed": str(line.amount - line_remaining + amount),
        },
        note=reference,
    )
    return commitment


@transaction.atomic
def release_commitment(*, commitment_id: int, by: "User | None" = None, reason: str = "") -> Commitment:
    """Give an unpaid commitment's money back to its line (a declined or withdrawn award)."""
    line_id = Commitment.objects.values_list("line_id", flat=True).get(pk=commitment_id)
    _lock_line(line_id)
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
        before={"amount": str(commitment.amount)},
        after=None,
        note=reason,
    )
    return commitment


@transaction.atomic
def record_payment(
    *,
    commitment_id: int,
    amount: Decimal,
    paid_on: datetime.date,
    reference: str = "",
    by: "User | None" = None,
) -> Payment:
    line_id = Commitment.objects.values_list("line_id", flat=True).get(pk=commitment_id)
    _lock_line(line_id)
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
        created_by=by,
    )
    record_event(
        "payment.made", obj=commitment, by=by, before={"paid": str(paid)}, after={"paid": str(paid + amount)}
    )
    return payment


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
    budget = Budget.objects.select_for_update().get(pk=budget_id)
    before = selectors.budget_totals(budget.pk)
    if amount < 0 and before.committed > before.pot + amount:
        raise BudgetRuleError(
            f"{budget} has {format_pounds(before.committed)} committed; its pot cannot go below that."
        )
    entry = BudgetEntry.objects.create(
        budget=budget, kind=kind, amount=amount, source=source, decision=decision, note=note, created_by=by
    )
    record_event(
        "budget.pot_changed",
        obj=budget,
        by=by,
        before={"pot": str(before.pot)},
        after={"pot": str(before.pot + amount)},
        note=note,
    )
    return entry


@transaction.atomic
def transfer_between_budgets(
    *,
    from_budget_id: int,
    to_budget_id: int,
    amount: Decimal,
    decision: Decision | None = None,
    note: str = "",
    by: "User | None" = None,
) -> uuid.UUID:
    """Move money from one stream's pot to another's, as two ledger entries that always appear together."""
    if amount <= 0:
        raise BudgetRuleError("A transfer must be for more than £0.")
    if from_budget_id == to_budget_id:
        raise BudgetRuleError("Choose two different budgets to transfer between.")
    # Lock both budgets in id order so two opposite transfers cannot deadlock.
    budgets = {
        b.pk: b
        for b in Budget.objects.select_for_update()
        .filter(pk__in=[from_budget_id, to_budget_id])
        .order_by("pk")
    }
    source, target = budgets[from_budget_id], budgets[to_budget_id]
    totals = selectors.budget_totals(source.pk)
    if amount > totals.pot - totals.committed:
        raise OverCommitment(
            what=f"The {source} pot", requested=amount, remaining=totals.pot - totals.committed
        )
    reference = uuid.uuid4()
    BudgetEntry.objects.create(
        budget=source,
        kind=BudgetEntry.Kind.TRANSFER_OUT,
        amount=-amount,
        counterpart=target,
        transfer_reference=reference,
        decision=decision,
        note=note,
        created_by=by,
    )
    BudgetEntry.objects.create(
        budget=target,
        kind=BudgetEntry.Kind.TRANSFER_IN,
        amount=amount,
        counterpart=source,
        transfer_reference=reference,
        decision=decision,
        note=note,
        created_by=by,
    )
    record_event(
        "budget.transfer",
        obj=source,
        by=by,
        before=None,
        after={"to": target.pk, "amount": str(amount), "reference": str(reference)},
        note=note,
    )
    return reference


def check_line_change(*, line: BudgetLine, amount: Decimal | None = None, delete: bool = False) -> None:
    """Refuse an allocation below what is committed against the line, or deleting a line with money committed.

    The one copy of the rule: save_line() and delete_line() call it under lock, and the admin budget page calls it
    while validating, so the refusal appears beside the line instead of after the save.
    """
    committed = selectors.line_committed(line.pk)
    if delete and committed:
        raise BudgetRuleError(
            f"{line.name} has {format_pounds(committed)} committed, so it cannot be deleted."
        )
    if amount is not None and amount < committed:
        raise BudgetRuleError(
            f"{line.name} has {format_pounds(committed)} committed, so its allocation cannot be less than that."
        )


@transaction.atomic
def save_line(*, line: BudgetLine, by: "User | None" = None) -> BudgetLine:
    """Create or change a line's allocation. It can never drop below what is already committed against it."""
    before = None
    if line.pk:
        locked, _budget = _lock_line(line.pk)
        before = {"amount": _money(locked.amount), "name": locked.name}
        check_line_change(line=line, amount=line.amount)
    else:
        Budget.objects.select_for_update().get(pk=line.budget_id)
    line.full_clean()
    line.save()
    record_event(
        "line.saved", obj=line, by=by, before=before, after={"amount": _money(line.amount), "name": line.name}
    )
    return line


@transaction.atomic
def delete_line(*, line_id: int, by: "User | None" = None) -> None:
    """Delete a line nothing has been committed from. Anything else that points at it (an award, a contract, a
    ring-fence, a needs assessment) protects it too; admin lists those before it gets here."""
    line, _budget = _lock_line(line_id)
    check_line_change(line=line, delete=True)
    record_event(
        "line.deleted", obj=line, by=by, before={"amount": _money(line.amount), "name": line.name}, after=None
    )
    try:
        line.delete()
    except (
        ProtectedError
    ) as exc:  # raised before anything is deleted; the transaction drops the event with it
        raise BudgetRuleError(f"{line.name} is in use, so it cannot be deleted.") from exc


def get_or_create_year(start_year: int) -> FinancialYear:
    """The financial year that starts in April of `start_year`, made the first time anything needs it."""
    year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
    return year


def get_or_create_budget(*, stream_id: int, year_id: int) -> Budget:
    """A stream's budget for a year, made empty the first time anything needs it: its pot comes from the ledger."""
    budget, _ = Budget.objects.get_or_create(stream_id=stream_id, year_id=year_id)
    return budget


def get_or_create_section(
    *, budget_id: int, heading: str, subtotal_label: str = "Sub-Total"
) -> BudgetSection:
    """The section of a budget with this heading; a new one is added with `subtotal_label` under it."""
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
