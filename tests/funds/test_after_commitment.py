"""The money after it is committed: payments dated and checked, variations, underspends, repayments, carrying a
commitment into the next year and rolling a year's structure forward. Every write locks, checks and records."""

import datetime
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from funds import selectors, services
from funds.models import (
    BudgetEntry,
    BudgetLine,
    BudgetSection,
    Commitment,
    CommitmentChange,
    FinancialYear,
    Payment,
)
from tests.factories import BudgetFactory, BudgetLineFactory
from tests.funds.people import finance_officer, person_with

pytestmark = pytest.mark.django_db

JUNE = datetime.date(2024, 6, 3)
VARY = ("funds.vary_commitment", "funds.record_payment")


def _committed(amount="10000", line_amount="20000", pot="50000"):
    line = BudgetLineFactory(amount=Decimal(line_amount), budget=BudgetFactory(pot=Decimal(pot)))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal(amount), reference="HCF-0001")
    return line, commitment


def _pay(commitment, amount, on=JUNE, by=None):
    return services.record_payment(
        commitment_id=commitment.pk, amount=Decimal(amount), paid_on=on, reference=f"RUN-{amount}", by=by
    )


# --- Payments --------------------------------------------------------------------------------------------------


def test_partial_payments_add_up_to_the_commitment_and_never_past_it():
    _line, commitment = _committed("10000")
    _pay(commitment, "4000")
    _pay(commitment, "6000", on=datetime.date(2024, 9, 1))
    with pytest.raises(services.BudgetRuleError, match=r"£0 is left to pay on HCF-0001"):
        _pay(commitment, "0.01")
    assert selectors.commitment_paid(commitment.pk) == Decimal("10000.00")


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [
        (datetime.date(2099, 1, 1), "must be today or in the past"),
        (datetime.date(2024, 3, 31), "on or after 1 April 2024, the start of 2024/25"),
    ],
)
def test_a_payment_date_in_the_future_or_before_the_money_s_year_is_refused(paid_on, message):
    _line, commitment = _committed()
    with pytest.raises(services.BudgetRuleError, match=message):
        _pay(commitment, "100", on=paid_on)
    assert not Payment.objects.exists()


def test_a_payment_dated_in_a_closed_year_is_refused():
    _line, commitment = _committed()
    FinancialYear.objects.create(
        start_year=2025, closed_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    )
    with pytest.raises(services.BudgetRuleError, match="2025/26 is closed, so no payment can be dated in it"):
        _pay(commitment, "100", on=datetime.date(2025, 6, 1))
    assert not Payment.objects.exists()


def test_the_year_a_payment_counts_in_is_its_date_s():
    _line, commitment = _committed()
    _pay(commitment, "300", on=datetime.date(2025, 4, 2))  # 2024/25 money paid in 2025/26
    assert selectors.paid_in_year(FinancialYear.objects.get(start_year=2024)) == Decimal("0")
    assert selectors.paid_in_year(FinancialYear.objects.get_or_create(start_year=2025)[0]) == Decimal(
        "300.00"
    )


# --- Variations ------------------------------------------------------------------------------------------------


def test_a_variation_up_is_checked_against_the_line_and_recorded():
    line, commitment = _committed("10000", line_amount="12000")
    with pytest.raises(services.OverCommitment):
        services.vary_commitment(
            commitment_id=commitment.pk, new_amount=Decimal("12000.01"), by=None, reason="More"
        )
    change = services.vary_commitment(
        commitment_id=commitment.pk,
        new_amount=Decimal("12000"),
        by=finance_officer_who_varies(),
        reason="More work",
    )
    commitment.refresh_from_db()
    assert (commitment.amount, change.amount, change.amount_before) == (Decimal("12000"), 2000, 10000)
    assert selectors.line_committed(line.pk) == Decimal("12000.00")
    event = AuditEvent.objects.filter(action="commitment.variation").get()
    assert (event.before, event.after["amount"], event.note) == (
        {"amount": "10000.00"},
        "12000.00",
        "More work",
    )


def test_a_variation_down_releases_the_difference_but_never_below_what_was_paid():
    line, commitment = _committed("10000")
    _pay(commitment, "3000")
    with pytest.raises(services.BudgetRuleError, match=r"£3,000 has already been paid"):
        services.vary_commitment(
            commitment_id=commitment.pk, new_amount=Decimal("2999"), by=None, reason="Less"
        )
    services.vary_commitment(commitment_id=commitment.pk, new_amount=Decimal("4000"), by=None, reason="Less")
    assert selectors.line_committed(line.pk) == Decimal("4000.00")


def test_a_variation_over_the_office_threshold_needs_a_made_pcc_decision():
    _line, commitment = _committed("5000", line_amount="40000")
    with pytest.raises(services.BudgetRuleError, match="needs a PCC decision"):
        services.vary_commitment(
            commitment_id=commitment.pk, new_amount=Decimal("15000.01"), by=None, reason="x"
        )
    draft = services.record_decision(number="PCC/2024/90", title="Draft", status="draft", public_summary="")
    with pytest.raises(services.BudgetRuleError, match="still a draft"):
        services.vary_commitment(
            commitment_id=commitment.pk, new_amount=Decimal("15000.01"), by=None, reason="x", decision=draft
        )
    made = services.record_decision(number="PCC/2024/91", title="Made", status="made", public_summary="")
    services.vary_commitment(
        commitment_id=commitment.pk, new_amount=Decimal("15000.01"), by=None, reason="x", decision=made
    )
    assert CommitmentChange.objects.get().decision == made


def test_varying_needs_the_permission_and_a_reason():
    _line, commitment = _committed()
    with pytest.raises(services.NotPermitted):
        services.vary_commitment(
            commitment_id=commitment.pk, new_amount=Decimal("1"), by=finance_officer(), reason="x"
        )
    with pytest.raises(services.BudgetRuleError, match="Say why"):
        services.vary_commitment(
            commitment_id=commitment.pk, new_amount=Decimal("1"), by=finance_officer_who_varies(), reason=" "
        )
    assert not CommitmentChange.objects.exists()


def finance_officer_who_varies():
    return person_with(*VARY)


# --- Underspend and repayment ----------------------------------------------------------------------------------


def test_releasing_an_underspend_brings_the_commitment_down_to_what_was_paid():
    line, commitment = _committed("10000")
    _pay(commitment, "7250.50")
    change = services.release_underspend(commitment_id=commitment.pk, by=None, reason="Project ended")
    assert change.amount == Decimal("-2749.50")
    assert selectors.line_committed(line.pk) == Decimal("7250.50")
    assert services.release_underspend(commitment_id=commitment.pk, by=None, reason="Again") is None


def test_money_repaid_returns_to_its_line():
    line, commitment = _committed("10000")
    _pay(commitment, "10000")
    repayment = services.record_repayment(
        commitment_id=commitment.pk,
        amount=Decimal("1500"),
        received_on=datetime.date(2024, 12, 1),
        reference="REMIT-88",
        by=None,
        reason="Clawback: unspent at the end",
    )
    assert (repayment.kind, repayment.amount) == (Payment.Kind.REPAYMENT, Decimal("-1500"))
    assert selectors.commitment_paid(commitment.pk) == Decimal("8500.00")
    assert selectors.line_committed(line.pk) == Decimal("8500.00")
    line = selectors.with_line_totals(BudgetLine.objects.filter(pk=line.pk)).get()
    assert (line.amount, line.remaining) == (Decimal("20000.00"), Decimal("11500.00"))


def test_money_repaid_can_go_to_a_reserve_of_the_same_budget_and_never_more_than_was_paid():
    line, commitment = _committed("10000")
    reserve = BudgetLineFactory(budget=line.budget, kind=BudgetLine.Kind.RESERVE, amount=Decimal("0"))
    _pay(commitment, "2000")
    with pytest.raises(services.BudgetRuleError, match="no more than that can be repaid"):
        services.record_repayment(
            commitment_id=commitment.pk,
            amount=Decimal("2000.01"),
            received_on=JUNE,
            reference="R",
            by=None,
            reason="x",
        )
    services.record_repayment(
        commitment_id=commitment.pk,
        amount=Decimal("500"),
        received_on=JUNE,
        reference="R",
        by=None,
        reason="x",
        to_line_id=reserve.pk,
    )
    line.refresh_from_db()
    reserve.refresh_from_db()
    assert (line.amount, reserve.amount) == (Decimal("19500.00"), Decimal("500.00"))


# --- The year end ----------------------------------------------------------------------------------------------


def _structure():
    budget = BudgetFactory(pot=Decimal("50000"))
    section = BudgetSection.objects.create(budget=budget, heading="Force Wide Commissioning")
    line = BudgetLineFactory(
        budget=budget, section=section, amount=Decimal("30000"), cost_centre="CC1", nominal_code="N7"
    )
    BudgetLineFactory(budget=budget, kind=BudgetLine.Kind.RESERVE, amount=Decimal("5000"))
    return budget, line


def test_rolling_a_year_forward_copies_its_structure_at_nothing_and_twice_adds_nothing():
    budget, line = _structure()
    by = person_with("funds.roll_forward_year")
    next_year = services.roll_forward_year(year_id=budget.year_id, by=by, reason="2025/26 budget setting")
    copied = BudgetLine.objects.filter(budget__year=next_year).order_by("pk")
    assert [(c.name, c.amount, c.section and c.section.heading) for c in copied] == [
        (line.name, Decimal("0.00"), "Force Wide Commissioning"),
        (copied[1].name, Decimal("0.00"), None),
    ]
    assert copied[0].cost_centre == "CC1" and copied[0].nominal_code == "N7"
    services.roll_forward_year(year_id=budget.year_id, by=by, reason="again")
    assert BudgetLine.objects.filter(budget__year=next_year).count() == 2
    with pytest.raises(services.NotPermitted):
        services.roll_forward_year(year_id=budget.year_id, by=finance_officer(), reason="x")


def test_carrying_forward_moves_the_unpaid_part_and_its_budget_into_the_next_year():
    budget, line = _structure()
    commitment = services.commit_to_line(
        line_id=line.pk, amount=Decimal("12000"), reference="Service: Refuge"
    )
    _pay(commitment, "9000")
    with pytest.raises(services.BudgetRuleError, match="Roll 2024/25 forward first"):
        services.carry_forward(commitment_id=commitment.pk, by=None, reason="Q4 invoice late")
    next_year = services.roll_forward_year(year_id=budget.year_id, by=None)
    continued = services.carry_forward(
        commitment_id=commitment.pk, by=finance_approver_who_carries(), reason="Q4 late"
    )

    commitment.refresh_from_db()
    line.refresh_from_db()
    assert (commitment.amount, continued.amount, continued.carried_from) == (9000, 3000, commitment)
    assert continued.line.budget.year == next_year and continued.line.name == line.name
    assert line.amount == Decimal("27000.00") and continued.line.amount == Decimal("3000.00")
    assert selectors.budget_totals(budget.pk).pot == Decimal("47000.00")
    assert selectors.budget_totals(continued.line.budget_id).pot == Decimal("3000.00")
    assert BudgetEntry.objects.filter(note="Carried forward: Service: Refuge").count() == 2
    with pytest.raises(services.BudgetRuleError, match=r"paid in full|already been carried"):
        services.carry_forward(commitment_id=commitment.pk, by=None, reason="again")
    # The next year's payment goes against the continued commitment.
    _pay(continued, "3000", on=datetime.date(2025, 5, 1))
    assert Commitment.objects.filter(reference="Service: Refuge").count() == 2


def finance_approver_who_carries():
    return person_with("funds.carry_forward_commitment")


def test_a_closed_year_refuses_variations_underspends_and_repayments():
    budget, line = _structure()
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("1000"), reference="X")
    _pay(commitment, "500")
    services.close_year(
        year_id=budget.year_id, by=person_with("funds.close_financialyear"), reason="Year end"
    )
    for attempt in (
        lambda: services.vary_commitment(
            commitment_id=commitment.pk, new_amount=Decimal("900"), by=None, reason="x"
        ),
        lambda: services.release_underspend(commitment_id=commitment.pk, by=None, reason="x"),
        lambda: services.record_repayment(
            commitment_id=commitment.pk,
            amount=Decimal("1"),
            received_on=JUNE,
            reference="R",
            by=None,
            reason="x",
        ),
    ):
        with pytest.raises(services.YearClosed):
            attempt()
    assert not CommitmentChange.objects.exists()
