"""A commissioned service's money after it is funded: funding over several years, varying it, the underspend at the
end of a contract, money paid back, carrying the unpaid part into the next year, and the schedule of instalments.

Each function takes plain values, checks providers.fund_service for the person acting (`by=None` is the system: the
demo loader, a command) and moves the money only through funds.services, which lock, check the budget and record the
change (funds.CommitmentChange and the audit trail). ServiceFunding.amount is kept equal to its commitment's amount.

Locks: the service row first (claims are made under it too, so no claim arrives half way through), then whatever
funds.services locks (budgets, line, commitment), then the funding and its instalments.
"""

import datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import ProtectedError, Sum

from audit.services import record_event
from core.money import PENNY, format_pounds
from funds import services as funds
from funds.models import BudgetLine, Commitment, Decision, FinancialYear, Payment
from funds.selectors import commitment_paid, open_line_like

from .claims import OPEN as OPEN_CLAIMS
from .models import Claim, PaymentScheduleItem, Service, ServiceFunding
from .services import FundingRuleError, _check_may_fund, fund_service

if TYPE_CHECKING:
    from accounts.models import User

ZERO = Decimal("0.00")


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(PENNY))


def _lock_service(service_id: int) -> Service:
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise FundingRuleError("There is no such service.")
    return service


def _funding(funding_id: int) -> ServiceFunding:
    """The funding with its service locked, or FundingRuleError if it is gone (released by someone else)."""
    service_id = ServiceFunding.objects.filter(pk=funding_id).values_list("service_id", flat=True).first()
    if service_id is None:
        raise FundingRuleError("This funding no longer exists: it may have been released.")
    _lock_service(service_id)
    return ServiceFunding.objects.select_related(
        "service", "line__budget__stream", "line__budget__year", "commitment"
    ).get(pk=funding_id)


def _decision(decision_id: int | None) -> Decision | None:
    if decision_id is None:
        return None
    decision = Decision.objects.filter(pk=decision_id).first()
    if decision is None:
        raise FundingRuleError("Choose a PCC decision from the list.")
    return decision


def _refuse_open_claims(funding: ServiceFunding, doing: str) -> None:
    waiting = Claim.objects.filter(funding=funding, status__in=OPEN_CLAIMS).aggregate(s=Sum("amount"))["s"]
    if waiting:
        raise FundingRuleError(
            f"Claims of {format_pounds(waiting)} from this funding are waiting for the office. Pay or return them "
            f"before {doing}."
        )


def _in_step(funding: ServiceFunding) -> ServiceFunding:
    """Bring the funding's amount back in line with its commitment, under the lock funds.services took."""
    commitment = Commitment.objects.get(pk=funding.commitment_id)
    funding.amount = commitment.amount
    funding.save(update_fields=["amount"])
    return funding


# --- Funding ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def fund_service_over_years(
    *, service_id: int, profile: list[tuple[int, Decimal]], by: "User | None"
) -> list[ServiceFunding]:
    """Fund a multi-year contract: each (line, amount) is one year's share, committed against that year's line. All or
    nothing: if any year's line (or its pot) has too little left, no year is funded."""
    _check_may_fund(by)
    service = _lock_service(service_id)
    if not profile:
        raise FundingRuleError("Give the amount for at least one year.")
    lines = BudgetLine.objects.select_related("budget__year", "budget__stream").in_bulk(
        [line_id for line_id, _ in profile]
    )
    if len(lines) != len({line_id for line_id, _ in profile}):
        raise FundingRuleError("Choose budget lines from the list.")
    years: dict[int, BudgetLine] = {}
    service = Service.objects.select_related("start_year", "end_year").get(pk=service.pk)
    for line_id, _amount in profile:
        line = lines[line_id]
        year = line.budget.year
        if year.start_year in years:
            raise FundingRuleError(
                f"{year} is given twice. Give one line for each year; fund a year from a second line separately."
            )
        if not service.start_year.start_year <= year.start_year <= service.end_year.start_year:
            raise FundingRuleError(
                f"{service.name} runs from {service.start_year} to {service.end_year}, so it cannot be funded from "
                f"{line.name} ({line.budget})."
            )
        years[year.start_year] = line
    fundings = []
    for line_id, amount in sorted(profile, key=lambda share: lines[share[0]].budget.year.start_year):
        # Each share locks and checks its own line and pot; the first refusal rolls every year back.
        fundings.append(fund_service(service=service, line_id=line_id, amount=Decimal(amount), by=by))
    record_event(
        "service_funding.funded_over_years",
        obj=service,
        by=by,
        before=None,
        after={
            str(f.line.budget.year): {"line": f"{f.line.name} ({f.line.budget})", "amount": _money(f.amount)}
            for f in fundings
        },
    )
    return fundings


@transaction.atomic
def vary_funding(
    *,
    funding_id: int,
    new_amount: Decimal,
    by: "User | None",
    reason: str,
    decision_id: int | None = None,
) -> ServiceFunding:
    """An agreed variation of the contract's money for the funding's year, up or down. The instalments not yet paid
    (nor claimed) are re-profiled so the schedule still adds up to the new amount: the last ones change."""
    _check_may_fund(by)
    funding = _funding(funding_id)
    new_amount = Decimal(new_amount)
    before = funding.amount
    funds.vary_commitment(
        commitment_id=funding.commitment_id,
        new_amount=new_amount,
        by=by,
        reason=reason,
        decision=_decision(decision_id),
    )
    _reprofile(funding, new_amount)
    _in_step(funding)
    record_event(
        "service_funding.varied",
        obj=funding.service,
        by=by,
        before={"line": str(funding.line), "amount": _money(before)},
        after={"line": str(funding.line), "amount": _money(funding.amount)},
        note=(reason or "").strip(),
    )
    return funding


def _reprofile(funding: ServiceFunding, new_amount: Decimal) -> None:
    items = list(
        PaymentScheduleItem.objects.select_for_update().filter(funding=funding).order_by("due_on", "pk")
    )
    if not items:
        return
    claimed = set(
        Claim.objects.filter(schedule_item__in=items, status__in=OPEN_CLAIMS).values_list(
            "schedule_item_id", flat=True
        )
    )
    fixed = [item for item in items if item.payment_id or item.pk in claimed]
    free = [item for item in items if not (item.payment_id or item.pk in claimed)]
    fixed_total = sum((item.amount for item in fixed), ZERO)
    if fixed_total > new_amount:
        raise FundingRuleError(
            f"Instalments of {format_pounds(fixed_total)} from this funding are paid or claimed, which is more than "
            f"the new amount of {format_pounds(new_amount)}."
        )
    left = new_amount - fixed_total
    # The earlier instalments stay as they were; the last ones take the change.
    for position, item in enumerate(free):
        last = position == len(free) - 1
        if left <= 0:
            # Unpaid and unclaimed, so a plan that holds no money; an instalment cannot be £0, so it goes.
            item.delete()
            continue
        if last or item.amount > left:
            item.amount = left
            item.save(update_fields=["amount"])
        left -= item.amount
    if left > 0:  # every instalment is paid or claimed: the rest of a rise is a new one, due with the last
        PaymentScheduleItem.objects.create(
            service_id=funding.service_id,
            funding=funding,
            due_on=items[-1].due_on,
            amount=left,
            note="Variation",
        )


@transaction.atomic
def release_funding_underspend(*, funding_id: int, by: "User | None", reason: str) -> ServiceFunding:
    """At the end of the contract, give back what will not be paid: the commitment comes down to what was paid and the
    instalments still unpaid are taken off the schedule."""
    _check_may_fund(by)
    funding = _funding(funding_id)
    _refuse_open_claims(funding, "releasing the underspend")
    if commitment_paid(funding.commitment_id) <= 0:
        raise FundingRuleError(
            "Nothing has been paid from this funding, so there is no underspend to release: release the funding "
            "instead."
        )
    before = funding.amount
    change = funds.release_underspend(commitment_id=funding.commitment_id, by=by, reason=reason)
    if change is None:
        raise FundingRuleError(
            f"Everything committed ({format_pounds(before)}) has been paid, so there is no underspend."
        )
    # Unpaid PaymentScheduleItem rows are deleted here (and, for a cut bigger than the last instalment, by
    # _reprofile), and by no other service: an unpaid instalment is a plan and holds no money (no payment points at
    # it, and a claimed one was refused above), and with the commitment down to what was paid there is nothing left
    # for it to pay. Paid instalments are the record of payments and are never deleted.
    removed = PaymentScheduleItem.objects.filter(funding=funding, payment__isnull=True)
    try:
        dropped = removed.count()
        removed.delete()
    except ProtectedError as exc:  # a claim still points at one; the transaction drops the release with it
        raise FundingRuleError(
            "An unpaid instalment of this funding has a claim against it, so the underspend cannot be released yet."
        ) from exc
    _in_step(funding)
    record_event(
        "service_funding.underspend_released",
        obj=funding.service,
        by=by,
        before={"line": str(funding.line), "amount": _money(before)},
        after={"line": str(funding.line), "amount": _money(funding.amount), "instalments_removed": dropped},
        note=(reason or "").strip(),
    )
    return funding


@transaction.atomic
def record_funding_repayment(
    *,
    funding_id: int,
    amount: Decimal,
    received_on: datetime.date,
    reference: str,
    by: "User | None",
    reason: str,
    to_line_id: int | None = None,
) -> Payment:
    """Money the provider paid back (a clawback). The funding comes down by as much, so the money returns to its line,
    or with `to_line_id` to a reserve line of the same budget. The schedule is left as it was: its paid instalments
    are what was paid out, and what is left to pay is unchanged."""
    _check_may_fund(by)
    funding = _funding(funding_id)
    before = funding.amount
    payment = funds.record_repayment(
        commitment_id=funding.commitment_id,
        amount=Decimal(amount),
        received_on=received_on,
        reference=reference,
        by=by,
        reason=reason,
        to_line_id=to_line_id,
    )
    if Commitment.objects.get(pk=funding.commitment_id).amount <= 0:
        # ServiceFunding.amount must stay above £0 (a constraint of the schema), so a repayment of everything paid
        # on a funding with nothing else left to pay cannot be recorded against the funding.
        raise FundingRuleError(
            f"{format_pounds(amount)} is everything paid from this funding and nothing else is left to pay, so the "
            "funding would be £0, which it cannot be. Record a smaller repayment, or ask for the contract's money "
            "to be corrected."
        )
    _in_step(funding)
    record_event(
        "service_funding.repaid",
        obj=funding.service,
        by=by,
        before={"line": str(funding.line), "amount": _money(before)},
        after={
            "line": str(funding.line),
            "amount": _money(funding.amount),
            "repaid": _money(amount),
            "received_on": received_on.isoformat(),
            "reference": reference,
        },
        note=(reason or "").strip(),
    )
    return payment


@transaction.atomic
def carry_funding_forward(
    *, funding_id: int, by: "User | None", reason: str, decision_id: int | None = None
) -> ServiceFunding:
    """Carry the funding's unpaid part into the next financial year's matching line, with its budget: a new funding
    of the service for that line, whose commitment continues this one. The unpaid instalments move to it (any due
    before the new year starts are due on its first day, since money of that year cannot be paid earlier)."""
    _check_may_fund(by)
    funding = _funding(funding_id)
    _refuse_open_claims(funding, "carrying the funding forward")
    next_start = funding.line.budget.year.start_year + 1
    target = open_line_like(funding.line, on=datetime.date(next_start, 4, 1))
    if target is not None:
        existing = ServiceFunding.objects.filter(service_id=funding.service_id, line=target).first()
        if existing is not None:
            raise FundingRuleError(
                f"{funding.service.name} is already funded from {target.name} ({target.budget}). Vary that funding "
                "instead, or release this year's underspend."
            )
    before = funding.amount
    continued = funds.carry_forward(
        commitment_id=funding.commitment_id, by=by, reason=reason, decision=_decision(decision_id)
    )
    new_funding = ServiceFunding.objects.create(
        service_id=funding.service_id,
        line_id=continued.line_id,
        amount=continued.amount,
        commitment=continued,
    )
    starts = FinancialYear(start_year=next_start).starts_on
    moved = 0
    for item in PaymentScheduleItem.objects.select_for_update().filter(funding=funding, payment__isnull=True):
        item.funding = new_funding
        item.due_on = max(item.due_on, starts)
        item.save(update_fields=["funding", "due_on"])
        moved += 1
    old = Commitment.objects.get(pk=funding.commitment_id)
    if old.amount <= 0:
        # Nothing was paid, so all of it moved: the old funding would be £0, which it cannot be. The commitment stays,
        # at £0 with its change recorded, and the new one points back at it.
        try:
            ServiceFunding.objects.filter(pk=funding.pk).delete()
        except ProtectedError as exc:
            raise FundingRuleError(
                "This funding has claims against it, so all of it cannot be carried forward. Release the underspend "
                "or pay what is claimed first."
            ) from exc
    else:
        _in_step(funding)
    record_event(
        "service_funding.carried_forward",
        obj=funding.service,
        by=by,
        before={"line": str(funding.line), "amount": _money(before)},
        after={
            "line": str(funding.line),
            "amount": _money(old.amount),
            "carried_to": str(new_funding.line),
            "carried": _money(continued.amount),
            "instalments_moved": moved,
        },
        note=(reason or "").strip(),
    )
    return new_funding


# --- The schedule of instalments -------------------------------------------------------------------------------------


def due_dates(year: FinancialYear, *, quarterly: bool = True) -> list[datetime.date]:
    """When a year's instalments fall due, in arrears: the first day after each quarter (or month), except the last,
    due on the year's last day so that the year's money is paid within the year and the year can close."""
    start = year.start_year
    if quarterly:
        months = [(start, 7), (start, 10), (start + 1, 1)]
    else:
        months = [(start, m) for m in range(5, 13)] + [(start + 1, m) for m in range(1, 4)]
    return [datetime.date(y, m, 1) for y, m in months] + [year.ends_on]


def split_to_the_penny(total: Decimal, parts: int) -> list[Decimal]:
    """`parts` equal amounts rounded down to the penny; the last takes the remainder, so they add up to `total`."""
    share = (total / parts).quantize(PENNY, rounding=ROUND_DOWN)
    return [share] * (parts - 1) + [total - share * (parts - 1)]


@transaction.atomic
def make_schedule(*, funding_id: int, by: "User | None", quarterly: bool = True) -> list[PaymentScheduleItem]:
    """Plan what is left to pay on a funding as equal instalments through its year: four quarterly ones in arrears
    (or twelve monthly ones), split to the penny with the last taking the remainder. Refused if the funding already
    has instalments: change those on the service's page instead."""
    _check_may_fund(by)
    funding = _funding(funding_id)
    if funding.schedule.exists():
        raise FundingRuleError(
            f"{funding.service.name} already has instalments from {funding.line.name} ({funding.line.budget}). "
            "Change them on the service's page."
        )
    if funding.commitment.released_at:
        raise FundingRuleError("This funding has been released, so there is nothing to schedule.")
    left = funding.commitment.amount - commitment_paid(funding.commitment_id)
    if left <= 0:
        raise FundingRuleError("This funding is paid in full, so there is nothing left to schedule.")
    year = funding.line.budget.year
    dates = due_dates(year, quarterly=quarterly)
    amounts = split_to_the_penny(left, len(dates))
    if amounts[0] <= 0:  # less than a penny an instalment: one, at the end
        dates, amounts = dates[-1:], [left]
    label = "Q" if quarterly else "M"
    items = PaymentScheduleItem.objects.bulk_create(
        PaymentScheduleItem(
            service_id=funding.service_id,
            funding=funding,
            due_on=due,
            amount=amount,
            note=f"{funding.line.budget.stream} {year} {label}{n}"[:200],
        )
        for n, (due, amount) in enumerate(zip(dates, amounts, strict=True), start=1)
    )
    record_event(
        "service_funding.scheduled",
        obj=funding.service,
        by=by,
        before=None,
        after={
            "line": str(funding.line),
            "instalments": [
                [due.isoformat(), _money(amount)] for due, amount in zip(dates, amounts, strict=True)
            ],
        },
    )
    return items
