import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from audit.models import AuditEvent
from funds import selectors, services
from funds.models import BudgetEntry, FundingSource
from tests.factories import BudgetFactory, BudgetLineFactory, UserFactory
from tests.funds.people import finance_approver, finance_officer, person_with

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
    decision = services.record_decision(
        number="PCC/2024/009", title="Top-up", status="made", public_summary=""
    )

    reference = services.transfer_between_budgets(
        from_budget_id=community_safety.pk,
        to_budget_id=victims.pk,
        amount=Decimal("271410"),
        decision=decision,
        note="Top up victims' services",
        countersigned_by=finance_approver(),
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
    line = BudgetLineFactory(budget=source, amount=Decimal("900"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("900"), reference="A")
    with pytest.raises(services.BudgetRuleError, match="over-allocated by £1:"):
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


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5")])
def test_a_transfer_of_nothing_or_less_is_refused(amount):
    source = BudgetFactory(pot=Decimal("1000"))
    target = BudgetFactory(pot=Decimal("0.01"), year=source.year)
    with pytest.raises(services.BudgetRuleError, match=r"^A transfer must be for more than £0\.$"):
        services.transfer_between_budgets(from_budget_id=source.pk, to_budget_id=target.pk, amount=amount)
    assert not BudgetEntry.objects.filter(kind__startswith="transfer").exists()


def test_a_transfer_from_a_budget_to_itself_is_refused():
    budget = BudgetFactory(pot=Decimal("1000"))
    with pytest.raises(
        services.BudgetRuleError, match=r"^Choose two different budgets to transfer between\.$"
    ):
        services.transfer_between_budgets(
            from_budget_id=budget.pk, to_budget_id=budget.pk, amount=Decimal("1")
        )


def test_a_transfer_may_take_exactly_what_is_unallocated_and_not_a_penny_more():
    source = BudgetFactory(pot=Decimal("1000"))
    target = BudgetFactory(pot=Decimal("0.01"), year=source.year)
    line = BudgetLineFactory(budget=source, amount=Decimal("900"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("100"), reference="A")
    with pytest.raises(services.BudgetRuleError) as refused:
        services.transfer_between_budgets(
            from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("100.01")
        )
    assert str(refused.value) == (
        f"Moving £100.01 would leave {source} over-allocated by £0.01: its lines add up to £900 and its pot "
        "would be £899.99. Reduce its lines first."
    )
    services.transfer_between_budgets(
        from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("0.50")
    )
    services.transfer_between_budgets(
        from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("99.50")
    )
    assert selectors.budget_totals(source.pk).unallocated == Decimal("0.00")


def test_a_transfer_given_no_note_records_none():
    source = BudgetFactory(pot=Decimal("1000"))
    target = BudgetFactory(pot=Decimal("0.01"), year=source.year)
    reference = services.transfer_between_budgets(
        from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("10")
    )
    assert set(BudgetEntry.objects.filter(transfer_reference=reference).values_list("note", flat=True)) == {
        ""
    }
    assert AuditEvent.objects.get(action="budget.transfer").note == ""


def test_both_entries_of_a_transfer_name_the_other_budget_the_decision_the_note_and_who_made_it():
    source = BudgetFactory(pot=Decimal("1000"))
    target = BudgetFactory(pot=Decimal("0.01"), year=source.year)
    decision = services.record_decision(
        number="PCC/2024/001", title="Top-up", status="made", public_summary=""
    )
    officer = finance_officer()
    reference = services.transfer_between_budgets(
        from_budget_id=source.pk,
        to_budget_id=target.pk,
        amount=Decimal("10"),
        decision=decision,
        note="Top up",
        by=officer,
    )
    entries = BudgetEntry.objects.filter(transfer_reference=reference).order_by("amount")
    assert [(e.budget_id, e.counterpart_id, e.decision_id, e.note, e.created_by_id) for e in entries] == [
        (source.pk, target.pk, decision.pk, "Top up", officer.pk),
        (target.pk, source.pk, decision.pk, "Top up", officer.pk),
    ]


def test_a_transfer_leaves_an_audit_record_on_the_source_budget_of_who_where_to_how_much_and_why():
    source = BudgetFactory(pot=Decimal("1000"))
    target = BudgetFactory(pot=Decimal("0.01"), year=source.year)
    officer = finance_officer(full_name="Fay Finance")
    reference = services.transfer_between_budgets(
        from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("10"), note="Top up", by=officer
    )
    event = AuditEvent.objects.get(action="budget.transfer")
    assert (event.content_type.model, event.object_id, event.actor_id, event.before, event.note) == (
        "budget",
        source.pk,
        officer.pk,
        None,
        "Top up",
    )
    assert event.after == {
        "from": str(source),
        "to": str(target),
        "amount": "10.00",
        "decision": None,
        "asked_by": "Fay Finance",
        "countersigned_by": None,
        "reference": str(reference),
    }
    received = AuditEvent.objects.get(action="budget.transfer_received")
    assert (received.object_id, received.after) == (target.pk, event.after)


def test_a_release_leaves_one_audit_record_of_who_how_much_and_why_and_releasing_again_changes_nothing():
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("250"), reference="A")
    officer = finance_approver()
    released = services.release_commitment(commitment_id=commitment.pk, by=officer, reason="Award withdrawn")
    released_at = released.released_at
    assert released_at is not None
    again = services.release_commitment(commitment_id=commitment.pk, by=officer, reason="twice")
    assert again.released_at == released_at
    event = AuditEvent.objects.get(action="commitment.released")
    assert (event.content_type.model, event.object_id, event.actor_id) == (
        "commitment",
        commitment.pk,
        officer.pk,
    )
    assert (event.before, event.after, event.note) == (
        {"commitment": "A", "line": str(line), "amount": "250.00"},
        None,
        "Award withdrawn",
    )


def test_a_release_given_no_reason_records_none():
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("250"), reference="A")
    services.release_commitment(commitment_id=commitment.pk)
    assert AuditEvent.objects.get(action="commitment.released").note == ""


def test_a_commitment_with_even_a_penny_paid_cannot_be_released():
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("100"), reference="A")
    services.record_payment(
        commitment_id=commitment.pk, amount=Decimal("0.01"), paid_on=datetime.date(2024, 5, 1)
    )
    with pytest.raises(
        services.BudgetRuleError,
        match=r"^This commitment has payments against it, so it cannot be released\.$",
    ):
        services.release_commitment(commitment_id=commitment.pk)
    assert selectors.line_committed(line.pk) == Decimal("100.00")


def test_a_pot_can_be_cut_to_exactly_what_is_committed_and_not_a_penny_below():
    budget = BudgetFactory(pot=Decimal("1000"))
    line = BudgetLineFactory(budget=budget, amount=Decimal("1000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("600"), reference="A")
    with pytest.raises(
        services.BudgetRuleError, match=r"has £600 committed; its pot cannot go below that\.$"
    ):
        services.add_to_pot(budget_id=budget.pk, amount=Decimal("-400.01"), kind=BudgetEntry.Kind.REDUCTION)
    services.add_to_pot(budget_id=budget.pk, amount=Decimal("-400"), kind=BudgetEntry.Kind.REDUCTION)
    assert selectors.budget_totals(budget.pk).remaining == Decimal("0.00")


def test_a_change_to_the_pot_records_its_source_decision_note_and_who_and_leaves_an_audit_record():
    budget = BudgetFactory(pot=Decimal("1000"))
    officer = finance_officer()
    source = FundingSource.objects.create(name="Home Office grant", kind=FundingSource.Kind.HOME_OFFICE)
    decision = services.record_decision(
        number="PCC/2024/002", title="Top-up", status="made", public_summary=""
    )
    entry = services.add_to_pot(
        budget_id=budget.pk,
        amount=Decimal("250.50"),
        kind=BudgetEntry.Kind.TOP_UP,
        source=source,
        decision=decision,
        note="In-year grant",
        by=officer,
    )
    entry.refresh_from_db()
    assert (
        entry.kind,
        entry.amount,
        entry.source_id,
        entry.decision_id,
        entry.note,
        entry.created_by_id,
    ) == (
        "top_up",
        Decimal("250.50"),
        source.pk,
        decision.pk,
        "In-year grant",
        officer.pk,
    )
    event = AuditEvent.objects.get(action="budget.pot_changed")
    assert (event.content_type.model, event.object_id, event.actor_id) == ("budget", budget.pk, officer.pk)
    assert (event.before, event.after, event.note) == (
        {"pot": "1000.00"},
        {
            "pot": "1250.50",
            "change": "Top-up of £250.50",
            "source": "Home Office grant",
            "decision": "PCC/2024/002",
        },
        "In-year grant",
    )


def test_a_change_to_the_pot_given_no_note_records_none():
    budget = BudgetFactory(pot=Decimal("1000"))
    entry = services.add_to_pot(budget_id=budget.pk, amount=Decimal("1"), kind=BudgetEntry.Kind.TOP_UP)
    entry.refresh_from_db()
    assert entry.note == ""
    assert AuditEvent.objects.get(action="budget.pot_changed").note == ""


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1")])
def test_a_commitment_of_nothing_or_less_is_refused(amount):
    line = BudgetLineFactory(amount=Decimal("1000"))
    with pytest.raises(services.BudgetRuleError, match=r"^A commitment must be for more than £0\.$"):
        services.commit_to_line(line_id=line.pk, amount=amount, reference="A")
    assert selectors.line_committed(line.pk) == Decimal("0.00")


def test_a_commitment_may_take_exactly_what_is_left_on_the_line_or_in_the_pot():
    budget = BudgetFactory(pot=Decimal("1000"))
    roomy = BudgetLineFactory(budget=budget, amount=Decimal("5000"))
    tight = BudgetLineFactory(budget=budget, amount=Decimal("400"))
    services.commit_to_line(line_id=tight.pk, amount=Decimal("400"), reference="all of the line")
    services.commit_to_line(line_id=roomy.pk, amount=Decimal("600"), reference="all of the pot")
    assert selectors.budget_totals(budget.pk).remaining == Decimal("0.00")


def test_a_commitment_records_its_line_amount_reference_what_it_is_for_and_who_and_is_audited():
    officer = UserFactory()
    line = BudgetLineFactory(amount=Decimal("1000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("100"), reference="first")
    award_stand_in = BudgetFactory()
    commitment = services.commit_to_line(
        line_id=line.pk, amount=Decimal("300"), reference="HCF-7", committed_for=award_stand_in, by=officer
    )
    commitment.refresh_from_db()
    assert (
        commitment.line_id,
        commitment.amount,
        commitment.reference,
        commitment.content_type.model,
        commitment.object_id,
        commitment.created_by_id,
    ) == (line.pk, Decimal("300.00"), "HCF-7", "budget", award_stand_in.pk, officer.pk)
    event = AuditEvent.objects.filter(action="commitment.created").latest("pk")
    assert (event.content_type.model, event.object_id, event.actor_id, event.note) == (
        "commitment",
        commitment.pk,
        officer.pk,
        "HCF-7",
    )
    assert (event.before, event.after) == (
        {"line_committed": "100.00"},
        {"line": str(line), "for": str(award_stand_in), "amount": "300.00", "line_committed": "400.00"},
    )


def test_a_commitment_for_nothing_in_particular_records_no_subject_and_no_user_when_anonymous():
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(
        line_id=line.pk, amount=Decimal("1"), reference="A", by=AnonymousUser()
    )
    commitment.refresh_from_db()
    assert (commitment.content_type_id, commitment.object_id, commitment.created_by_id) == (None, None, None)


def test_a_commitment_may_be_paid_exactly_in_full_but_not_with_nothing_nor_once_released():
    officer = finance_officer()
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("500"), reference="A")
    with pytest.raises(
        services.BudgetRuleError,
        match=r"^£500 is left to pay on A; a payment of £0 would pay more than was committed\.$",
    ):
        services.record_payment(
            commitment_id=commitment.pk, amount=Decimal("0"), paid_on=datetime.date(2024, 5, 1)
        )
    payment = services.record_payment(
        commitment_id=commitment.pk,
        amount=Decimal("500"),
        paid_on=datetime.date(2024, 5, 2),
        reference="BACS-1",
        by=officer,
    )
    payment.refresh_from_db()
    assert (
        payment.commitment_id,
        payment.line_id,
        payment.amount,
        payment.paid_on,
        payment.reference,
        payment.created_by_id,
    ) == (commitment.pk, line.pk, Decimal("500.00"), datetime.date(2024, 5, 2), "BACS-1", officer.pk)
    event = AuditEvent.objects.get(action="payment.made")
    assert (event.content_type.model, event.object_id, event.actor_id) == (
        "commitment",
        commitment.pk,
        officer.pk,
    )
    assert (event.before, event.after, event.note) == (
        {"paid": "0.00"},
        {"commitment": "A", "line": str(line), "amount": "500.00", "paid_on": "2024-05-02", "paid": "500.00"},
        "BACS-1",
    )

    other = services.commit_to_line(line_id=line.pk, amount=Decimal("10"), reference="B")
    services.release_commitment(commitment_id=other.pk)
    with pytest.raises(
        services.BudgetRuleError, match=r"^This commitment was released, so nothing can be paid against it\.$"
    ):
        services.record_payment(
            commitment_id=other.pk, amount=Decimal("1"), paid_on=datetime.date(2024, 5, 1)
        )


def test_saving_a_line_leaves_an_audit_record_of_its_amount_and_name_before_and_after():
    officer = finance_officer()
    budget = BudgetFactory()
    line = BudgetLineFactory.build(budget=budget, name="Dudley", amount=Decimal("100"))
    services.save_line(line=line, by=officer, reason="New CSP line")
    line.name, line.amount = "Dudley CSP", Decimal("150.5")
    services.save_line(line=line, by=officer, reason="Renamed")
    created, changed = AuditEvent.objects.filter(action="line.saved").order_by("pk")
    assert (created.content_type.model, created.object_id, created.actor_id) == (
        "budgetline",
        line.pk,
        officer.pk,
    )
    assert (created.before, created.after, created.note) == (
        None,
        {"line": f"Dudley ({budget})", "amount": "100.00"},
        "New CSP line",
    )
    assert (changed.object_id, changed.before, changed.after, changed.note) == (
        line.pk,
        {"line": f"Dudley ({budget})", "amount": "100.00"},
        {"line": f"Dudley CSP ({budget})", "amount": "150.50"},
        "Renamed",
    )


def test_deleting_a_line_leaves_an_audit_record_of_what_it_was():
    officer = person_with("funds.delete_budgetline")
    line = BudgetLineFactory(name="Dudley", amount=Decimal("100"))
    line_id = line.pk
    services.delete_line(line_id=line_id, by=officer, reason="Set up by mistake")
    event = AuditEvent.objects.get(action="line.deleted")
    assert (event.content_type.model, event.object_id, event.actor_id) == ("budgetline", line_id, officer.pk)
    assert (event.before, event.after, event.note) == (
        {"line": str(line), "amount": "100.00"},
        None,
        "Set up by mistake",
    )
    assert not type(line).objects.filter(pk=line_id).exists()


def test_a_line_something_still_points_at_cannot_be_deleted_and_says_it_is_in_use():
    line = BudgetLineFactory(name="Dudley", amount=Decimal("100"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("10"), reference="A")
    services.release_commitment(commitment_id=commitment.pk)
    with pytest.raises(
        services.BudgetRuleError,
        match=r"^Dudley has had money committed or paid from it, so it cannot be deleted\.$",
    ):
        services.delete_line(line_id=line.pk)
    assert type(line).objects.filter(pk=line.pk).exists()
    assert not AuditEvent.objects.filter(action="line.deleted").exists()


def test_a_payment_given_no_reference_records_none():
    line = BudgetLineFactory(amount=Decimal("100"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("10"), reference="A")
    payment = services.record_payment(
        commitment_id=commitment.pk, amount=Decimal("1"), paid_on=datetime.date(2024, 5, 1)
    )
    payment.refresh_from_db()
    assert payment.reference == ""
