"""Racing real transactions on PostgreSQL: the row locks in commit_to_line must hold under contention."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from funds import selectors, services
from tests.factories import BudgetFactory, BudgetLineFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(count: int, action) -> list:
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = action(index)
        except Exception as exc:  # noqa: BLE001 - the outcome of each racer is what the test checks
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_racing_commitments_never_take_a_line_over_its_amount():
    assert connection.vendor == "postgresql", "locking is only meaningful on PostgreSQL"
    line = BudgetLineFactory(amount=Decimal("10000"), budget=BudgetFactory(pot=Decimal("50000")))

    outcomes = race(12, lambda i: services.commit_to_line(line_id=line.pk, amount=Decimal("1500"), reference=f"R{i}"))

    succeeded = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, services.OverCommitment)]
    assert len(succeeded) == 6  # 6 x £1,500 = £9,000; a 7th would need £10,500
    assert len(refused) == 6
    assert selectors.line_committed(line.pk) == Decimal("9000.00")


def test_racing_commitments_on_two_lines_never_take_the_pot_over():
    budget = BudgetFactory(pot=Decimal("5000"))
    lines = [BudgetLineFactory(budget=budget, amount=Decimal("5000")) for _ in range(2)]

    outcomes = race(
        10, lambda i: services.commit_to_line(line_id=lines[i % 2].pk, amount=Decimal("1000"), reference=f"R{i}")
    )

    assert sum(1 for o in outcomes if not isinstance(o, Exception)) == 5
    assert selectors.budget_totals(budget.pk).committed == Decimal("5000.00")
