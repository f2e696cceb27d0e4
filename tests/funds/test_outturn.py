"""The year's outturn: every figure of every line, stream, area and the year checked against sums made here from the
raw ledger rows, a carried-forward and an underspend case, and the same two queries however many lines there are."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds import services
from funds.models import Budget, BudgetLine, Commitment, CommitmentChange, FinancialYear, Payment
from funds.outturn import FIGURES, outturn_for_year
from funds.selectors import FORCE_WIDE
from tests.factories import AreaFactory, BudgetFactory, BudgetLineFactory, FinancialYearFactory

pytestmark = pytest.mark.django_db

D = Decimal
APRIL, JUNE, MARCH = datetime.date(2024, 4, 1), datetime.date(2024, 6, 3), datetime.date(2025, 3, 31)
NEXT_APRIL = datetime.date(2025, 4, 1)


def _commit(line, amount, reference="HCF-0001"):
    return services.commit_to_line(line_id=line.pk, amount=D(amount), reference=reference)


def _pay(commitment, amount, on=JUNE):
    return services.record_payment(
        commitment_id=commitment.pk, amount=D(amount), paid_on=on, reference=f"RUN {amount}"
    )


def ledger_outturn(year: FinancialYear) -> dict[int, dict[str, Decimal]]:
    """Line id -> each outturn figure, from the raw rows added up here in Python: no selector, no aggregate."""
    lines = {ln.pk: ln for ln in BudgetLine.objects.filter(budget__year=year)}
    commitments = [c for c in Commitment.objects.all() if c.line_id in lines]
    changes = [ch for ch in CommitmentChange.objects.all() if ch.commitment.line_id in lines]
    payments = [p for p in Payment.objects.all() if p.line_id in lines]
    live = {c.pk for c in commitments if c.released_at is None}
    out = {}
    for pk, line in lines.items():
        carried = -sum(
            (ch.amount for ch in changes if ch.commitment.line_id == pk and ch.kind == "carried_forward"),
            D(0),
        )
        underspent = -sum(
            (ch.amount for ch in changes if ch.commitment.line_id == pk and ch.kind == "underspend"), D(0)
        )
        released_whole = sum((c.amount for c in commitments if c.line_id == pk and c.pk not in live), D(0))
        committed = sum((c.amount for c in commitments if c.line_id == pk and c.pk in live), D(0))
        paid = sum(
            (p.amount for p in payments if p.line_id == pk and year.starts_on <= p.paid_on <= year.ends_on),
            D(0),
        )
        paid_on_live_by_end = sum(
            (
                p.amount
                for p in payments
                if p.line_id == pk and p.commitment_id in live and p.paid_on <= year.ends_on
            ),
            D(0),
        )
        budget = line.amount + carried
        unpaid = committed - paid_on_live_by_end
        out[pk] = {
            "budget": budget,
            "committed": committed,
            "paid": paid,
            "released": released_whole + underspent,
            "carried_forward": carried,
            "unpaid": unpaid,
            "variance": budget - paid - carried - unpaid,
        }
    return out


@pytest.fixture
def ledger():
    """Two streams in 2024/25 over two areas and a reserve: payments in and after the year, a correction, a
    repayment, a variation, an underspend, a released commitment and a carry-forward into 2025/26."""
    year = FinancialYearFactory(start_year=2024)
    north, south = AreaFactory(name="North"), AreaFactory(name="South")
    grants = BudgetFactory(year=year, pot=D("100000"))
    victims = BudgetFactory(year=year, pot=D("80000"))
    a = BudgetLineFactory(
        budget=grants, kind=BudgetLine.Kind.AREA, area=north, amount=D("30000"), name="North"
    )
    b = BudgetLineFactory(
        budget=grants, kind=BudgetLine.Kind.AREA, area=south, amount=D("20000"), name="South"
    )
    reserve = BudgetLineFactory(
        budget=grants, kind=BudgetLine.Kind.RESERVE, amount=D("10000"), name="Reserve"
    )
    v = BudgetLineFactory(budget=victims, kind=BudgetLine.Kind.AREA, area=north, amount=D("50000"), name="DA")
    BudgetLineFactory(budget=victims, amount=D("5000"), name="Unused")

    c1 = _commit(a, "12000", "A-1")  # paid in part in the year, in part after; the rest carried forward
    _pay(c1, "5000")
    _pay(c1, "1000", on=NEXT_APRIL)
    c2 = _commit(a, "8000", "A-2")  # paid, corrected, paid again; then the underspend released
    wrong = _pay(c2, "3000", on=datetime.date(2024, 9, 1))
    services.reverse_payment(payment_id=wrong.pk, by=None, reason="Paid twice")
    _pay(c2, "2500", on=MARCH)
    services.release_underspend(commitment_id=c2.pk, by=None, reason="Project ended")
    c3 = _commit(b, "6000", "B-1")  # released whole
    services.release_commitment(commitment_id=c3.pk, reason="Withdrawn")
    c4 = _commit(b, "9000", "B-2")  # varied down, paid, money repaid
    services.vary_commitment(commitment_id=c4.pk, new_amount=D("7000"), by=None, reason="Smaller project")
    _pay(c4, "7000", on=APRIL)
    services.record_repayment(
        commitment_id=c4.pk,
        amount=D("500"),
        received_on=datetime.date(2025, 2, 1),
        reference="R1",
        by=None,
        reason="Unspent",
    )
    c5 = _commit(reserve, "4000", "R-1")  # untouched
    c6 = _commit(v, "40000", "V-1")  # service-like: three quarters paid, a quarter owed at the year's end
    for day in ("2024-06-30", "2024-09-30", "2024-12-31"):
        _pay(c6, "10000", on=datetime.date.fromisoformat(day))

    services.roll_forward_year(year_id=year.pk, by=None)
    continued = services.carry_forward(commitment_id=c1.pk, by=None, reason="Late invoice")
    return {
        "year": year,
        "lines": {"a": a, "b": b, "reserve": reserve, "v": v},
        "commitments": {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6, "continued": continued},
    }


def test_every_figure_of_the_outturn_is_the_ledger_added_up(ledger):
    year = ledger["year"]
    expected = ledger_outturn(year)
    outturn = outturn_for_year(year)

    assert {row.line.pk: row.figures.as_dict() for row in outturn.lines} == expected
    for stream in outturn.streams:
        stream_lines = [expected[row.line.pk] for row in stream.lines]
        assert stream.total.as_dict() == {
            k: sum((ln[k] for ln in stream_lines), D(0)) for k in [*FIGURES, "variance"]
        }
    by_area = defaultdict(list)
    for line in BudgetLine.objects.filter(budget__year=year).select_related("area"):
        by_area[line.area.name if line.area else FORCE_WIDE].append(expected[line.pk])
    assert {a.name: a.total.as_dict() for a in outturn.areas} == {
        name: {k: sum((ln[k] for ln in rows), D(0)) for k in [*FIGURES, "variance"]}
        for name, rows in by_area.items()
    }
    assert outturn.total.as_dict() == {
        k: sum((ln[k] for ln in expected.values()), D(0)) for k in [*FIGURES, "variance"]
    }
    assert [a.name for a in outturn.areas] == ["North", "South", FORCE_WIDE]


def test_a_carried_forward_commitment_counts_in_the_budget_it_left_and_not_as_unused(ledger):
    a = ledger["lines"]["a"]
    row = next(r.figures for r in outturn_for_year(ledger["year"]).lines if r.line.pk == a.pk)
    a.refresh_from_db()
    # 12,000 committed on A-1: 5,000 paid in the year, 1,000 in April, 6,000 carried forward. The line lost 6,000 of
    # its amount to the next year; the outturn shows its budget before that.
    assert a.amount == D("24000.00")
    assert row.budget == D("30000.00")
    assert row.carried_forward == D("6000.00")
    # Paid in the year: A-1's 5,000 and A-2's 2,500 (its 3,000 and the correction net to nothing).
    assert row.paid == D("7500.00")
    # A-1 is now 6,000 (what was paid), 1,000 of it after the year's end; A-2 is 2,500, all paid.
    assert row.committed == D("8500.00")
    assert row.unpaid == D("1000.00")
    # Released: A-2's underspend of 5,500.
    assert row.released == D("5500.00")
    assert row.variance == D("30000") - D("7500") - D("6000") - D("1000")
    # ... which is exactly what nobody is using: the line's amount less its live commitments, as the budget page says.
    assert row.variance == a.amount - row.committed


def test_the_next_year_s_outturn_shows_the_carried_commitment_as_its_own(ledger):
    next_year = FinancialYear.objects.get(start_year=2025)
    continued = ledger["commitments"]["continued"]
    row = next(r.figures for r in outturn_for_year(next_year).lines if r.line.pk == continued.line_id)
    assert (row.budget, row.committed, row.unpaid, row.paid, row.carried_forward) == (
        D("6000.00"),
        D("6000.00"),
        D("6000.00"),
        D("0.00"),
        D("0.00"),
    )
    assert row.variance == D("0.00")


def test_an_underspend_and_a_released_commitment_are_released_and_part_of_what_is_left(ledger):
    outturn = outturn_for_year(ledger["year"])
    rows = {r.line.pk: r.figures for r in outturn.lines}
    b = rows[ledger["lines"]["b"].pk]
    # B-1 released whole (6,000); B-2 varied from 9,000 to 7,000 (a variation is not a release), paid 7,000 and
    # 500 repaid (not a release either: the commitment came down with the money).
    assert b.released == D("6000.00")
    assert (b.committed, b.paid, b.unpaid) == (D("6500.00"), D("6500.00"), D("0.00"))
    assert b.variance == D("20000") - D("6500")
    v = rows[ledger["lines"]["v"].pk]
    assert (v.paid, v.unpaid, v.variance) == (D("30000.00"), D("10000.00"), D("10000.00"))


def test_a_year_with_no_budgets_has_an_empty_outturn():
    outturn = outturn_for_year(FinancialYearFactory(start_year=2030))
    assert (outturn.streams, outturn.areas, outturn.total.variance) == ([], [], D("0"))


def test_a_budget_with_no_lines_is_still_listed():
    budget = BudgetFactory(year=FinancialYearFactory(start_year=2024), pot=D("1000"))
    outturn = outturn_for_year(budget.year)
    assert [(s.budget.pk, s.lines) for s in outturn.streams] == [(budget.pk, [])]


def _queries_for(year) -> int:
    with CaptureQueriesContext(connection) as queries:
        outturn = outturn_for_year(year)
        for row in outturn.lines:
            str(row.line.area), str(row.line.section), row.figures.variance
        for stream in outturn.streams:
            str(stream.stream)
    return len(queries)


def test_the_outturn_takes_the_same_queries_however_many_lines_there_are(ledger):
    year = ledger["year"]
    before = _queries_for(year)
    budget = Budget.objects.filter(year=year).first()
    for n in range(12):
        line = BudgetLineFactory(
            budget=budget, amount=D("100"), area=AreaFactory(), kind=BudgetLine.Kind.AREA
        )
        _pay(_commit(line, "50", f"X-{n}"), "20")
    BudgetFactory(year=year, pot=D("10"))
    assert _queries_for(year) == before == 2
