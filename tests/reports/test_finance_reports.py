"""Finance's reports: budget against actual and forecast by quarter, commitments not yet paid by age, and the year's
spend on commissioned services, which reconciles to the payments ledger. Checked against sums made here."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Award, AwardPayment
from funds import services
from funds.models import BudgetLine, Commitment, Payment
from providers.models import PaymentScheduleItem
from providers.services import fund_service
from reports.finance_reports import (
    budget_against_quarters,
    commissioned_spend,
    finance_reports,
    months_before,
    quarters,
    unpaid_by_age,
)
from tests.applications.factories import RoundFactory, approved_award
from tests.factories import BudgetFactory, BudgetLineFactory, FinancialYearFactory, FundingStreamFactory
from tests.providers.factories import ServiceFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2024, 11, 15)  # in Q3 of 2024/25: Q1 and Q2 have ended


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _pay(commitment, amount, on):
    return services.record_payment(
        commitment_id=commitment.pk, amount=D(amount), paid_on=_day(on), reference="RUN"
    )


def _award(line, amount, approved_on, instalments):
    """An award on `line`, committed as finance would, with its instalments: (amount, due_on or None)."""
    award = approved_award(round_=RoundFactory(budget=line.budget), amount=D(amount), line=line)
    award.commitment = services.commit_to_line(
        line_id=line.pk, amount=D(amount), reference=award.application.reference, committed_for=award
    )
    award.status = Award.Status.COMMITTED
    award.approved_at = timezone.make_aware(datetime.datetime.combine(_day(approved_on), datetime.time(12)))
    award.save()
    for number, (value, due) in enumerate(instalments, start=1):
        AwardPayment.objects.create(award=award, number=number, amount=D(value), due_on=due and _day(due))
    return award


def _made(award, number, on):
    """Pay an award's instalment and link it, as applications would."""
    instalment = award.payments.get(number=number)
    instalment.payment = _pay(award.commitment, instalment.amount, on)
    instalment.save()


@pytest.fixture
def books():
    year = FinancialYearFactory(start_year=2024)
    grants = BudgetFactory(
        year=year, pot=D("100000"), stream=FundingStreamFactory(name="Grants", report_order=1)
    )
    victims = BudgetFactory(
        year=year, pot=D("200000"), stream=FundingStreamFactory(name="Victims", report_order=2)
    )
    grants_line = BudgetLineFactory(budget=grants, amount=D("60000"))
    victims_line = BudgetLineFactory(budget=victims, amount=D("150000"))

    # A grant of 10,000 in two instalments: the first (due on acceptance) paid in Q1, the second due in Q4.
    big = _award(grants_line, "10000", "2024-05-10", [("6000", None), ("4000", "2025-02-01")])
    _made(big, 1, "2024-05-20")
    # A grant of 3,000, one instalment due on acceptance, not paid: approved in Q2, so overdue in Q2.
    _award(grants_line, "3000", "2024-08-05", [("3000", None)])
    # A cancelled award's instalments are never forecast.
    cancelled = _award(grants_line, "500", "2024-06-01", [("500", "2024-12-01")])
    Award.objects.filter(pk=cancelled.pk).update(status=Award.Status.CANCELLED)

    # A service funded 80,000 from the victims line, paid quarterly: Q1 paid, Q2 paid late (in Q3), Q3 and Q4 due.
    service = ServiceFactory(name="Advocacy", start_year=year)
    funding = fund_service(service=service, line_id=victims_line.pk, amount=D("80000"))
    for due, paid_on in (
        ("2024-06-30", "2024-06-28"),
        ("2024-09-30", "2024-10-03"),
        ("2024-12-31", None),
        ("2025-03-31", None),
    ):
        item = PaymentScheduleItem.objects.create(
            service=service, funding=funding, due_on=_day(due), amount=D("20000")
        )
        if paid_on:
            item.payment = _pay(funding.commitment, "20000", paid_on)
            item.save()
    # A commitment for nothing else recorded (a contribution), paid in Q2; and a wrong payment corrected.
    other = services.commit_to_line(line_id=victims_line.pk, amount=D("5000"), reference="Contribution")
    _pay(other, "5000", "2024-07-15")
    wrong = _pay(funding.commitment, "999", "2024-07-01")
    services.reverse_payment(payment_id=wrong.pk, by=None, reason="Keyed twice")
    return {
        "year": year,
        "grants": grants,
        "victims": victims,
        "big": big,
        "funding": funding,
        "other": other,
    }


def test_the_year_has_four_quarters_from_april():
    year = FinancialYearFactory(start_year=2024)
    assert quarters(year) == [
        (_day("2024-04-01"), _day("2024-06-30")),
        (_day("2024-07-01"), _day("2024-09-30")),
        (_day("2024-10-01"), _day("2024-12-31")),
        (_day("2025-01-01"), _day("2025-03-31")),
    ]


def test_actual_is_each_quarter_s_payments_and_forecast_adds_what_is_scheduled_and_unpaid(books):
    streams, total = budget_against_quarters(books["year"], today=TODAY)
    by_name = {s.name: s for s in streams}
    grants, victims = by_name["Grants"], by_name["Victims"]

    assert [q.actual for q in grants.quarters] == [D("6000"), 0, 0, 0]
    # The 3,000 due on acceptance counts in Q2, when it was approved; the 4,000 in Q4; the cancelled 500 nowhere.
    assert [q.scheduled for q in grants.quarters] == [0, D("3000"), 0, D("4000")]
    assert [q.forecast for q in grants.quarters] == [D("6000"), D("3000"), 0, D("4000")]
    assert [q.overdue for q in grants.quarters] == [0, D("3000"), 0, 0]
    assert (grants.budget, grants.forecast, grants.forecast_left) == (D("100000"), D("13000"), D("87000"))

    # Q2's service payment was made on 3 October: it is Q3's actual. The 999 and its correction net to nothing.
    assert [q.actual for q in victims.quarters] == [D("20000"), D("5000"), D("20000"), 0]
    assert [q.scheduled for q in victims.quarters] == [0, 0, D("20000"), D("20000")]
    assert victims.forecast == D("85000")

    assert [q.actual for q in total.quarters] == [D("26000"), D("5000"), D("20000"), 0]
    assert total.actual == sum(
        p.amount
        for p in Payment.objects.all()
        if books["year"].starts_on <= p.paid_on <= books["year"].ends_on
    )
    assert total.forecast == grants.forecast + victims.forecast
    assert total.budget == D("300000")


def test_a_stream_with_no_budget_this_year_but_spend_in_it_is_listed(books):
    last_year_line = BudgetLineFactory(
        budget=BudgetFactory(year=FinancialYearFactory(start_year=2023), pot=D("9000"))
    )
    _pay(
        services.commit_to_line(line_id=last_year_line.pk, amount=D("700"), reference="Late"),
        "700",
        "2024-04-10",
    )
    streams, total = budget_against_quarters(books["year"], today=TODAY)
    late = next(s for s in streams if s.name == last_year_line.budget.stream.name)
    assert (late.budget, late.forecast_left, late.quarters[0].actual) == (None, None, D("700"))
    assert total.quarters[0].actual == D("26700")


def test_months_before_keeps_the_day_or_takes_the_month_s_last():
    assert months_before(_day("2024-11-15"), 3) == _day("2024-08-15")
    assert months_before(_day("2024-05-31"), 3) == _day("2024-02-29")
    assert months_before(_day("2024-02-10"), 12) == _day("2023-02-10")


def _made_on(commitment, day: str) -> None:
    Commitment.objects.filter(pk=commitment.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(_day(day), datetime.time(9)))
    )


def test_unpaid_commitments_are_counted_by_how_long_ago_they_were_made(books):
    grants_line = BudgetLine.objects.filter(budget=books["grants"]).get()
    fresh = services.commit_to_line(line_id=grants_line.pk, amount=D("100"), reference="Fresh")
    old = services.commit_to_line(line_id=grants_line.pk, amount=D("250"), reference="Old")
    paid = services.commit_to_line(line_id=grants_line.pk, amount=D("50"), reference="Paid")
    _pay(paid, "50", "2024-09-01")
    _made_on(fresh, "2024-08-16")  # 3 months less a day before 15 November
    _made_on(old, "2023-10-01")
    _made_on(paid, "2023-10-01")  # paid in full: not listed
    _made_on(books["big"].commitment, "2024-08-15")  # exactly 3 months: 3 to 6 months; 4,000 left to pay
    Commitment.objects.filter(reference__startswith="HCF").exclude(pk=books["big"].commitment_id).update(
        created_at=timezone.make_aware(datetime.datetime(2024, 2, 1))  # the 3,000 and the cancelled 500: 6-12
    )
    _made_on(books["funding"].commitment, "2024-04-01")  # 40,000 left
    _made_on(books["other"], "2024-04-01")  # paid in full

    streams, total = unpaid_by_age(books["year"], today=TODAY)
    grants, victims = streams
    assert [(b.count, b.amount) for b in grants.bands] == [
        (1, D("100")),
        (1, D("4000")),
        (2, D("3500")),
        (1, D("250")),
    ]
    assert [(b.count, b.amount) for b in victims.bands] == [(0, 0), (0, 0), (1, D("40000")), (0, 0)]
    assert (total.count, total.amount) == (6, D("47850"))
    owed = sum(
        c.amount - sum((p.amount for p in c.payments.all()), D(0))
        for c in Commitment.objects.filter(released_at__isnull=True)
    )
    assert total.amount == owed


def test_commissioned_spend_is_the_ledger_less_awards_and_other_payments(books):
    spend = commissioned_spend(books["year"])
    year = books["year"]
    in_year = [
        p for p in Payment.objects.select_related("commitment") if year.starts_on <= p.paid_on <= year.ends_on
    ]
    kinds = {}
    for p in in_year:
        model = p.commitment.content_type.model if p.commitment.content_type else None
        kinds[model] = kinds.get(model, D(0)) + p.amount
    assert spend.total == sum(p.amount for p in in_year) == D("51000")
    assert spend.awards == kinds["award"] == D("6000")
    assert spend.other == kinds[None] == D("5000")
    assert spend.services == kinds["service"] == D("40000")
    assert spend.services == spend.total - spend.awards - spend.other
    assert spend.reconciles


def test_the_reports_take_the_same_queries_however_much_there_is(books):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            finance_reports(books["year"], today=TODAY)
        return len(queries)

    before = count()
    grants_line = BudgetLine.objects.filter(budget=books["grants"]).get()
    for n in range(5):
        award = _award(grants_line, "100", "2024-06-01", [("60", None), ("40", "2025-01-10")])
        _made(award, 1, "2024-06-02")
        line = BudgetLineFactory(budget=BudgetFactory(year=books["year"], pot=D("1000")), amount=D("500"))
        _pay(services.commit_to_line(line_id=line.pk, amount=D("100"), reference=f"X{n}"), "10", "2024-10-01")
    assert count() == before <= 9


def test_the_page_shows_the_reconciliation_and_a_bad_year_is_a_message(staff_client, books):
    page = staff_client.get(reverse("reports:finance_reports"), {"year": "24-25"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Finance reports 2024/25" in text
    assert '<strong id="commissioned-spend">£40,000</strong>' in text
    assert "Q3 October to December" in text and "Over 12 months" in text
    for bad, message in [
        ("2024/26", "the second year must follow the first"),
        ("2031/32", "There is no 2031/32 financial year set up."),
        ("next year", "is not a financial year"),
        ("x" * 300, "Enter a financial year like 2024/25"),
    ]:
        response = staff_client.get(reverse("reports:finance_reports"), {"year": bad})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
        assert message in response.content.decode()
