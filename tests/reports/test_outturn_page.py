"""The outturn page: the year as people write it, a message for a year that cannot be read, the figures per stream,
line and area as funds.outturn works them out, and the same figures as a CSV file."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from funds import services
from funds.models import BudgetLine
from tests.factories import AreaFactory, BudgetFactory, BudgetLineFactory, FinancialYearFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    year = FinancialYearFactory(start_year=2024)
    budget = BudgetFactory(year=year, pot=Decimal("50000"))
    north = BudgetLineFactory(
        budget=budget,
        kind=BudgetLine.Kind.AREA,
        area=AreaFactory(name="North"),
        amount=Decimal("20000"),
        name="North",
    )
    BudgetLineFactory(
        budget=budget, kind=BudgetLine.Kind.RESERVE, name="=HYPERLINK(1)", amount=Decimal("5000")
    )
    commitment = services.commit_to_line(line_id=north.pk, amount=Decimal("12000"), reference="N-1")
    services.record_payment(
        commitment_id=commitment.pk,
        amount=Decimal("4500.50"),
        paid_on=datetime.date(2024, 8, 1),
        reference="R",
    )
    return year


@pytest.mark.parametrize("label", ["2024/25", "24-25", "2024-25", " 2024/25 "])
def test_the_year_may_be_written_in_any_of_the_report_s_styles(staff_client, year, label):
    response = staff_client.get(reverse("reports:outturn"), {"year": label})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Outturn 2024/25</h1>' in page
    assert response.context["outturn"].total.paid == Decimal("4500.50")


def test_without_a_year_the_latest_year_with_budgets_is_shown(staff_client, year):
    FinancialYearFactory(start_year=2026)  # no budgets
    response = staff_client.get(reverse("reports:outturn"))
    assert response.context["year"] == year


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2024/26", "the second year must follow the first, like 2024/25"),
        ("2031/32", "There is no 2031/32 financial year set up."),
        ("9999-00", "is not a financial year this service covers"),
        ("last year", "is not a financial year. Write it like 2024/25"),
        ("2" * 500, "Enter a financial year like 2024/25"),
    ],
)
def test_a_year_that_cannot_be_read_is_a_message_never_an_error_page(staff_client, year, label, message):
    for fmt in ("", "csv"):
        response = staff_client.get(reverse("reports:outturn"), {"year": label, "format": fmt})
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page and message in page
        assert "<title>Error: Outturn" in page
        assert response.context["outturn"] is None


def test_the_page_shows_each_line_its_stream_and_area_and_the_year(staff_client, year):
    page = staff_client.get(reverse("reports:outturn"), {"year": "2024/25"}).content.decode()
    # North: budget 20,000; committed 12,000; paid 4,500.50; nothing released or carried; 7,499.50 owed; 8,000 left.
    north_row = "".join(
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{v}</td>\n'
        for v in ["£20,000", "£12,000", "£4,500.50", "£0", "£0", "£7,499.50"]
    )
    assert north_row in page
    assert "Force-wide and central" in page and "Total 2024/25" in page


def test_the_csv_has_a_row_a_line_a_total_a_stream_and_the_year_s_total(staff_client, year):
    response = staff_client.get(reverse("reports:outturn"), {"year": "24-25", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="outturn-2024-25.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][3:] == [
        "Budget",
        "Committed",
        "Paid in the year",
        "Released",
        "Carried forward",
        "Committed not yet paid",
        "Variance",
    ]
    by_line = {row[1]: row for row in rows[1:]}
    assert by_line["North"][2:] == [
        "North",
        "20000.00",
        "12000.00",
        "4500.50",
        "0.00",
        "0.00",
        "7499.50",
        "8000.00",
    ]
    # A name that would run as a formula in a spreadsheet is kept as text.
    assert "'=HYPERLINK(1)" in by_line
    assert by_line["Stream total"][3:] == [
        "25000.00",
        "12000.00",
        "4500.50",
        "0.00",
        "0.00",
        "7499.50",
        "13000.00",
    ]
    assert rows[-1][0] == "2024/25 total" and rows[-1][3] == "25000.00"


def test_people_without_the_budget_permission_cannot_open_it(client, year):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("reports:outturn")).status_code == 403
    assert client.get(reverse("reports:outturn"), {"format": "csv"}).status_code == 403


def test_the_page_reads_the_same_queries_however_many_streams_and_lines(staff_client, year):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse("reports:outturn"), {"year": "2024/25"}).status_code == 200
        return len(queries)

    before = count()
    for _ in range(4):
        budget = BudgetFactory(year=year, pot=Decimal("9000"))
        for n in range(3):
            line = BudgetLineFactory(budget=budget, amount=Decimal("1000"), area=AreaFactory(), kind="area")
            c = services.commit_to_line(line_id=line.pk, amount=Decimal("500"), reference=f"C{n}")
            services.record_payment(
                commitment_id=c.pk, amount=Decimal("100"), paid_on=datetime.date(2024, 9, 1), reference="R"
            )
    assert count() == before
