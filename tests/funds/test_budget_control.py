import datetime
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from funds import selectors, services
from funds.models import BudgetEntry
from tests.factories import BudgetFactory, BudgetLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_totals_are_exact_to_the_penny_however_many_small_amounts_are_added():
    line = BudgetLineFactory(amount=Decimal("1.00"), budget=BudgetFactory(pot=Decimal("1.00")))
    for _ in range(10):
        services.commit_to_line(line_id=line.pk, amount=Decimal("0.10"), reference="penny test")
    totals = selectors.with_line_totals(type(line).objects.filter(pk=line.pk)).get()
    assert totals.committed == Decimal("1.00")
    assert totals.remaining == Decimal("0.00")
    assert selectors.budget_totals(line.budget_id).remaining == Decimal("0.00")


def test_a_budget_shows_its_pot_allocated_committed_paid_and_remaining():
    budget = BudgetFactory(pot=Decimal("400000"))
    services.add_to_pot(budget_id=budget.pk, amount=Decimal("2500.50"), kind=BudgetEntry.Kind.TOP_UP)
    line = BudgetLineFactory(budget=budget, amount=Decimal("101762"))
    BudgetLineFactory(budget=budget, amount=Decimal("28854"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("5000"), reference="HCF-1")
    services.record_payment(
        commitment_id=commitment.pk, amount=Decimal("1250.25"), paid_on=datetime.date(2024, 6, 1)
    )

    totals = selectors.budget_totals(budget.pk)

    assert totals.pot == Decimal("402500.50")
    assert totals.allocated == Decimal("130616.00")
    assert totals.committed == Decimal("5000.00")
    assert totals.paid == Decimal("1250.25")
    assert totals.remaining == Decimal("397500.50")
    assert totals.overallocated_by == Decimal("0")


def test_a_budget_whose_lines_exceed_its_pot_is_flagged_with_the_overrun():
    budget = BudgetFactory(pot=Decimal("400000"))
    BudgetLineFactory(budget=budget, amount=Decimal("415418"))
    flagged = selectors.with_budget_totals(type(budget).objects.filter(pk=budget.pk)).get()
    assert flagged.overallocated is True
    assert selectors.budget_totals(budget.pk).overallocated_by == Decimal("15418")


def test_a_commitment_larger_than_what_is_left_on_the_line_is_refused_showing_what_remains():
    line = BudgetLineFactory(name="Solihull", amount=Decimal("6400"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("5000"), reference="first")
    with pytest.raises(services.OverCommitment) as refused:
        services.commit_to_line(line_id=line.pk, amount=Decimal("2000"), reference="second")
    assert "£1,400 left to commit" in str(refused.value)
    assert "£600 less than the £2,000 needed" in str(refused.value)
    assert selectors.line_committed(line.pk) == Decimal("5000.00")


def test_a_commitment_is_refused_when_the_pot_is_spent_even_if_the_line_has_room():
    budget = BudgetFactory(pot=Decimal("1000"))
    line = BudgetLineFactory(budget=budget, amount=Decimal("5000"))
    with pytest.raises(services.OverCommitment, match="pot has £1,000 left"):
        services.commit_to_line(line_id=line.pk, amount=Decimal("1500"), reference="too much")


def test_every_commitment_leaves_an_audit_record_of_who_and_before_and_after():
    officer = UserFactory()
    line = BudgetLineFactory(amount=Decimal("1000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("300"), reference="A", by=officer)
    event = AuditEvent.objects.get(action="commitment.created")
    assert event.actor == officer
    assert event.before == {"line_committed": "0.00"}
    assert event.after["line_committed"] == "300.00"


def test_releasing_a_commitment_gives_the_money_back_to_the_line():
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("1000"), reference="A")
    services.release_commitment(commitment_id=commitment.pk, reason="withdrawn")
    assert selectors.line_committed(line.pk) == Decimal("0")
    services.commit_to_line(line_id=line.pk, amount=Decimal("1000"), reference="B")


def test_a_paid_commitment_cannot_be_released_and_cannot_be_overpaid():
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("1000"), reference="A")
    services.record_payment(
        commitment_id=commitment.pk, amount=Decimal("600"), paid_on=datetime.date(2024, 5, 1)
    )
    with pytest.raises(services.BudgetRuleError, match="£400 is left to pay"):
        services.record_payment(
            commitment_id=commitment.pk, amount=Decimal("400.01"), paid_on=datetime.date(2024, 6, 1)
        )
    with pytest.raises(services.BudgetRuleError, match="payments against it"):
        services.release_commitment(commitment_id=commitment.pk)


def test_a_line_cannot_be_cut_below_what_is_committed_against_it():
    line = BudgetLineFactory(amount=Decimal("1000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("800"), reference="A")
    line.amount = Decimal("799.99")
    with pytest.raises(services.BudgetRuleError, match="£800 committed"):
        services.save_line(line=line)


def test_a_transfer_between_streams_is_two_ledger_entries_that_move_the_pots():
    community_safety = BudgetFactory(pot=Decimal("3863000"))
    victims = BudgetFactory(pot=Decimal("3400000"), year=community_safety.year)

    reference = services.transfer_between_budgets(
        from_budget_id=community_safety.pk,
        to_budget_id=victims.pk,
        amount=Decimal("271410"),
        note="Top up victims' services",
    )

    entries = BudgetEntry.objects.filter(transfer_reference=reference).order_by("amount")
    assert [(e.budget_id, e.kind, e.amount) for e in entries] == [
        (community_safety.pk, "transfer_out", Decimal("-271410.00")),
        (victims.pk, "transfer_in", Decimal("271410.00")),
    ]
    assert selectors.budget_totals(community_safety.pk).pot == Decimal("3591590.00")
    assert selectors.budget_totals(victims.pk).pot == Decimal("3671410.00")


def test_a_transfer_cannot_take_money_already_committed():
    source = BudgetFactory(pot=Decimal("1000"))
    target = BudgetFactory(pot=Decimal("0.01"), year=source.year)
    line = BudgetLineFactory(budget=source, amount=Decimal("1000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("900"), reference="A")
    with pytest.raises(services.OverCommitment, match="£100 left"):
        services.transfer_between_budgets(
            from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("101")
        )


def test_a_payment_counts_as_paid_on_its_commitments_line_and_no_other():
    budget = BudgetFactory(pot=Decimal("20000"))
    paid_line, other_line = (
        BudgetLineFactory(budget=budget, amount=Decimal("10000")),
        BudgetLineFactory(budget=budget, amount=Decimal("10000")),
    )
    services.commit_to_line(line_id=other_line.pk, amount=Decimal("3000"), reference="HCF-2")
    commitment = services.commit_to_line(line_id=paid_line.pk, amount=Decimal("4000"), reference="HCF-1")
    payment = services.record_payment(
        commitment_id=commitment.pk, amount=Decimal("999.99"), paid_on=datetime.date(2024, 7, 1)
    )

    assert payment.line_id == paid_line.pk
    lines = {
        line.pk: line for line in selectors.with_line_totals(type(paid_line).objects.filter(budget=budget))
    }
    assert lines[paid_line.pk].paid == Decimal("999.99")
    assert lines[other_line.pk].paid == Decimal("0.00")
