"""Racing real transactions on PostgreSQL: the row locks in commit_to_line must hold under contention."""

from decimal import Decimal

import pytest
from django.db import connection

from funds import selectors, services
from funds.models import Commitment
from tests.concurrency import race, refused, succeeded
from tests.factories import BudgetFactory, BudgetLineFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_racing_commitments_never_take_a_line_over_its_amount():
    assert connection.vendor == "postgresql", "locking is only meaningful on PostgreSQL"
    line = BudgetLineFactory(amount=Decimal("10000"), budget=BudgetFactory(pot=Decimal("50000")))

    outcomes = race(
        [
            lambda i=i: services.commit_to_line(line_id=line.pk, amount=Decimal("1500"), reference=f"R{i}")
            for i in range(12)
        ]
    )

    assert len(succeeded(outcomes)) == 6  # 6 x £1,500 = £9,000; a 7th would need £10,500
    assert len(refused(outcomes)) == 6
    assert all(isinstance(o, services.OverCommitment) for o in refused(outcomes))
    assert selectors.line_committed(line.pk) == Decimal("9000.00")


def test_racing_commitments_on_two_lines_never_take_the_pot_over():
    budget = BudgetFactory(pot=Decimal("5000"))
    lines = [BudgetLineFactory(budget=budget, amount=Decimal("5000")) for _ in range(2)]

    outcomes = race(
        [
            lambda i=i: services.commit_to_line(
                line_id=lines[i % 2].pk, amount=Decimal("1000"), reference=f"R{i}"
            )
            for i in range(10)
        ]
    )

    assert len(succeeded(outcomes)) == 5
    assert selectors.budget_totals(budget.pk).committed == Decimal("5000.00")


def test_two_countersigners_approving_one_transfer_at_once_make_exactly_one_pair_of_entries():
    from funds.models import BudgetEntry, TransferRequest
    from tests.funds.people import finance_approver, finance_officer

    source, target = BudgetFactory(pot=Decimal("50000")), BudgetFactory(pot=Decimal("1"))
    decision = services.record_decision(
        number="PCC/2024/077", title="Transfer", status="made", public_summary=""
    )
    request = services.request_transfer(
        from_budget_id=source.pk,
        to_budget_id=target.pk,
        amount=Decimal("20000"),
        decision=decision,
        note="Two signatures",
        by=finance_officer(),
    )
    signers = [finance_approver(), finance_approver()]

    outcomes = race(
        [lambda s=s: services.approve_transfer(request_id=request.pk, by=s, note="Agreed") for s in signers]
    )

    assert len(succeeded(outcomes)) == 1
    assert [str(o) for o in refused(outcomes)] == ["This transfer has already been approved and made."]
    assert BudgetEntry.objects.filter(kind__startswith="transfer").count() == 2
    assert TransferRequest.objects.get().decided_by in signers
    assert selectors.budget_totals(target.pk).pot == Decimal("20001.00")


def test_two_payments_racing_for_the_last_pounds_of_a_commitment_never_pay_more_than_it():
    import datetime

    line = BudgetLineFactory(amount=Decimal("10000"), budget=BudgetFactory(pot=Decimal("50000")))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("1000"), reference="R")
    services.record_payment(
        commitment_id=commitment.pk,
        amount=Decimal("400"),
        paid_on=datetime.date(2024, 6, 1),
        reference="first",
    )

    outcomes = race(
        [
            lambda i=i: services.record_payment(
                commitment_id=commitment.pk,
                amount=Decimal("600"),
                paid_on=datetime.date(2024, 7, 1),
                reference=f"P{i}",
            )
            for i in range(6)
        ]
    )

    assert len(succeeded(outcomes)) == 1
    assert all("would pay more than was committed" in str(o) for o in refused(outcomes))
    assert selectors.commitment_paid(commitment.pk) == Decimal("1000.00")


def test_a_variation_racing_an_approval_for_the_same_line_never_over_commits_it():
    line = BudgetLineFactory(amount=Decimal("10000"), budget=BudgetFactory(pot=Decimal("50000")))
    varied = services.commit_to_line(line_id=line.pk, amount=Decimal("4000"), reference="Varied")
    # £6,000 left: the variation wants £5,000 more, each new commitment £3,000. Both cannot fit.
    jobs = [
        lambda: services.vary_commitment(
            commitment_id=varied.pk, new_amount=Decimal("9000"), by=None, reason="Extension"
        )
    ] + [
        lambda i=i: services.commit_to_line(line_id=line.pk, amount=Decimal("3000"), reference=f"New {i}")
        for i in range(3)
    ]

    outcomes = race(jobs)

    assert selectors.line_committed(line.pk) <= Decimal("10000.00")
    assert all(isinstance(o, services.OverCommitment) for o in refused(outcomes))
    committed = selectors.line_committed(line.pk)
    varied.refresh_from_db()
    new = Commitment.objects.filter(reference__startswith="New").count()
    assert committed == varied.amount + 3000 * new
    # Either the variation won (and nothing new fits in the £1,000 left) or two new ones did (and it did not).
    assert (varied.amount, new) in {(Decimal("9000.00"), 0), (Decimal("4000.00"), 2)}
