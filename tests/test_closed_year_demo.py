"""Closing 2024/25 in the demo, then trying every change to its money, as the people who would try it.

Every attempt is refused with a message that says the year is closed, nothing about the year's money moves, and the
annual report's Tables 4 to 8 come out of the workbook byte for byte as they did before the year was closed.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from openpyxl import load_workbook

from accounts import roles
from applications import services as application_services
from applications.models import Award
from funds import selectors
from funds import services as funds
from funds.models import Budget, BudgetLine, Commitment, FinancialYear, Payment
from providers import services as provider_services
from providers.models import Service, ServiceFunding
from reports.exports.budget_tables import write_budget_tables
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _person(role: str, email: str):
    user = UserFactory(is_staff=True, email=email, full_name=role)
    user.groups.add(Group.objects.get(name=role))
    return user


def _workbook(year) -> bytes:
    out = io.BytesIO()
    write_budget_tables(year, out)
    return out.getvalue()


def _cells(workbook: bytes) -> dict:
    book = load_workbook(io.BytesIO(workbook), data_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def _raised(line: BudgetLine) -> BudgetLine:
    changed = BudgetLine.objects.get(pk=line.pk)
    changed.amount += 1
    return changed


def _money_of(year) -> dict:
    """Every figure of the year's money, row by row, so any change anywhere shows."""
    return {
        "lines": sorted(BudgetLine.objects.filter(budget__year=year).values_list("pk", "amount")),
        "commitments": sorted(
            Commitment.objects.filter(line__budget__year=year).values_list(
                "pk", "amount", "line_id", "released_at"
            )
        ),
        "payments": sorted(Payment.objects.filter(line__budget__year=year).values_list("pk", "amount")),
        "pots": {b.pk: selectors.budget_totals(b.pk).pot for b in Budget.objects.filter(year=year)},
        "awards": sorted(
            Award.objects.filter(line__budget__year=year).values_list("pk", "amount", "line_id", "status")
        ),
    }


def test_after_2024_25_is_closed_every_money_change_is_refused_and_the_tables_do_not_move(full_demo):
    year = FinancialYear.objects.get(start_year=2024)
    finance = _person(roles.FINANCE_OFFICER, "finance.officer@opcc.example")
    approver = _person(roles.FINANCE_APPROVER, "finance.approver@opcc.example")
    cfo = _person(roles.CHIEF_FINANCE_OFFICER, "cfo@opcc.example")
    # Finance pays something more before the year end, on a commitment with money left to pay.
    paid_against = next(
        c
        for c in Commitment.objects.filter(line__budget__year=year, released_at__isnull=True).order_by("pk")
        if selectors.commitment_paid(c.pk) + 50 <= c.amount
    )
    funds.record_payment(
        commitment_id=paid_against.pk,
        amount=Decimal("50"),
        paid_on=datetime.date(2025, 3, 28),
        reference="Payment run 11",
        by=finance,
    )
    figures_before_closing = _cells(_workbook(year))

    funds.close_year(
        year_id=year.pk, by=cfo, reason="Accounts for 2024/25 signed off by the external auditor"
    )
    year.refresh_from_db()
    published = _workbook(year)
    assert _cells(published) == figures_before_closing
    before = _money_of(year)

    hcf = Budget.objects.get(year=year, stream__slug="helping-communities-fund")
    other = Budget.objects.filter(year=year).exclude(pk=hcf.pk).first()
    line = BudgetLine.objects.filter(budget=hcf, amount__gt=0).first()
    live = Commitment.objects.filter(line__budget__year=year, released_at__isnull=True)
    partly = next(c for c in live if selectors.commitment_paid(c.pk) < c.amount)
    # The demo pays every grant's first half, so a commitment with nothing paid may not exist; the closed year is
    # refused before anything about the payments is looked at, so a partly paid one tries the same rule.
    unpaid = next((c for c in live if selectors.commitment_paid(c.pk) == 0), partly)
    payment = Payment.objects.filter(line__budget__year=year).first()
    awarded = Award.objects.filter(line__budget__year=year, status=Award.Status.COMMITTED).first()
    waiting = Award.objects.filter(line__budget__year=year, status=Award.Status.AWAITING_FINANCE).first()
    funding = ServiceFunding.objects.filter(line__budget__year=year).first()
    unfunded = Service.objects.exclude(fundings__line=line).first()

    attempts = {
        "commit to a line": lambda: funds.commit_to_line(
            line_id=line.pk, amount=Decimal("100"), reference="Late grant", by=finance
        ),
        "release a commitment": lambda: funds.release_commitment(
            commitment_id=unpaid.pk, by=approver, reason="Underspend"
        ),
        "record a payment": lambda: funds.record_payment(
            commitment_id=partly.pk,
            amount=Decimal("1"),
            paid_on=datetime.date(2025, 3, 31),
            reference="Payment run 12",
            by=finance,
        ),
        "correct a payment": lambda: funds.reverse_payment(
            payment_id=payment.pk, by=approver, reason="Paid twice"
        ),
        "top up a pot": lambda: funds.add_to_pot(
            budget_id=hcf.pk, amount=Decimal("500"), note="From reserves", by=finance
        ),
        "transfer between pots": lambda: funds.request_transfer(
            from_budget_id=other.pk, to_budget_id=hcf.pk, amount=Decimal("500"), note="Top up", by=finance
        ),
        "change a line": lambda: funds.save_line(line=_raised(line), by=finance, reason="Correction"),
        "add a line": lambda: funds.save_line(
            line=BudgetLine(budget=hcf, kind=line.kind, name="A new line", amount=Decimal("10")),
            by=finance,
            reason="New line",
        ),
        "delete a line": lambda: funds.delete_line(line_id=line.pk, by=finance, reason="Tidy"),
        "cancel an award": lambda: application_services.cancel_award(
            award_id=awarded.pk, by=approver, reason="Group folded"
        ),
        "fund a service": lambda: provider_services.fund_service(
            service=unfunded, line_id=line.pk, amount=Decimal("100"), by=finance
        ),
        "release a service's funding": lambda: provider_services.release_funding(
            funding_id=funding.pk, by=finance, reason="Contract ended"
        ),
    }
    wrong = []
    for what, attempt in attempts.items():
        try:
            with transaction.atomic():
                attempt()
        except Exception as exc:  # any refusal is looked at; only "the year is closed" is right
            if "closed" not in str(exc):
                wrong.append(
                    f"{what}: refused, but not because the year is closed: {type(exc).__name__} {exc}"
                )
        else:
            wrong.append(f"{what}: allowed on a closed year")
    assert not wrong, "\n".join(wrong)

    # An award still waiting for finance when the year closed lands in the open year, or is refused: never 2024/25.
    if waiting is not None:
        try:
            with transaction.atomic():
                application_services.approve_award(award_id=waiting.pk, by=finance)
        except application_services.AwardError as exc:
            assert "closed" in str(exc)
        else:
            waiting.refresh_from_db()
            assert waiting.line.budget.year_id != year.pk

    assert _money_of(year) == before
    assert _workbook(year) == published
