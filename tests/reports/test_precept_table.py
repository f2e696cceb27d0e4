"""Table 3, "Police precept cost": printed from the two years' Band D, in the workbook and on the staff page."""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from funds import services
from funds.models import FinancialYear, Precept, ReportTable
from reports.exports.budget_tables import write_budget_tables
from reports.printed import Format
from reports.report_tables import build_report
from tests.factories import FinancialYearFactory

pytestmark = pytest.mark.django_db

PUBLISHED = json.loads(
    (Path(__file__).parents[2] / "funds" / "demo_data" / "west_midlands_2024_25.json").read_text()
)
TABLE_3 = next(t for t in PUBLISHED["tables"] if t["title"].startswith("Table 3."))
PENCE_COLUMNS = TABLE_3["columns"][2:]


def pence(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def band_d(column: str) -> Decimal:
    return pence(next(row[column] for row in TABLE_3["rows"] if row["Band"] == "Band D"))


@pytest.fixture
def year() -> FinancialYear:
    """2023/24 and 2024/25 with only their Band D, and the 2024/25 report's Table 3 definition."""
    for start_year, column in zip((2023, 2024), PENCE_COLUMNS[:2], strict=True):
        services.set_precept(
            FinancialYearFactory(start_year=start_year).pk, band_d(column), by=None, reason=""
        )
    year = FinancialYear.objects.get(start_year=2024)
    ReportTable.objects.create(
        year=year,
        kind=ReportTable.Kind.PRECEPT,
        number=3,
        title="Police precept cost",
        label_heading="Band",
        amount_heading="{year} Precept £: p",
    )
    return year


def expected_text() -> list[list[str]]:
    return [
        TABLE_3["columns"],
        *(
            [row["Band"], row["Statutory Proportion"], *(f"{pence(row[c]):.2f}" for c in PENCE_COLUMNS)]
            for row in TABLE_3["rows"]
        ),
    ]


def test_table_3_prints_every_band_and_column_as_the_2024_25_report_does(year):
    table = build_report(year).precept
    assert (table.key, table.number, table.title) == ("precept", 3, TABLE_3["title"])
    assert table.as_text() == expected_text()
    assert all(cell.format == Format.PLAIN_PENCE for row in table.rows for cell in row.cells[2:])


def test_the_workbook_opens_with_table_3_its_figures_numbers_in_pence(year):
    built = io.BytesIO()
    write_budget_tables(year, built)
    workbook = load_workbook(io.BytesIO(built.getvalue()), data_only=True)
    assert workbook.sheetnames == ["Police precept cost", "Checks"]
    sheet = workbook["Police precept cost"]
    assert sheet["A1"].value == TABLE_3["title"]
    assert [c.value for c in sheet[2]] == TABLE_3["columns"]
    rows = list(sheet.iter_rows(min_row=3))
    assert [[c.value for c in row] for row in rows] == [
        [row["Band"], row["Statutory Proportion"], *(row[c] for c in PENCE_COLUMNS)]
        for row in TABLE_3["rows"]
    ]
    assert {c.number_format for row in rows for c in row[2:]} == {"0.00"}
    assert [c.value for c in workbook["Checks"]["A"][2:]] == [
        "No problems found: every table adds up and no budget is over-allocated."
    ]


def test_a_typed_band_that_disagrees_is_on_the_checks_sheet_and_the_staff_page(year, staff_client):
    precept = Precept.objects.get(year=year)
    services.set_precept_band(precept_id=precept.pk, band="C", amount=Decimal("191.06"), by=None, reason="")
    problem = (
        "Table 3 (Police precept cost): 2024/25: Band C is typed in as £191.06, but Band D £215.55 × 8/9 is "
        "£191.60. Check Band D and the band against the council&#x27;s resolution."
    )
    built = io.BytesIO()
    write_budget_tables(year, built)
    checks = load_workbook(io.BytesIO(built.getvalue()))["Checks"]
    assert [c.value for c in checks["A"][2:]] == [problem.replace("&#x27;", "'")]

    page = staff_client.get(reverse("reports:budget_tables"), {"year": year.pk}).content.decode()
    assert problem in page
    # The table still prints the band Band D gives.
    assert (
        '<caption class="govuk-table__caption govuk-table__caption--m">Table 3. Police precept cost</caption>'
        in page
    )
    assert "191.60" in page and "191.06</td>" not in page


def test_with_no_band_d_for_the_year_before_the_checks_say_so_and_the_report_is_still_made(year):
    Precept.objects.filter(year__start_year=2023).delete()
    report = build_report(year)
    assert report.problems == [
        "Table 3 (Police precept cost): There is no Band D for 2023/24, so the 2023/24 column and the changes are "
        "empty. Enter the 2023/24 precept."
    ]
    assert report.precept.as_text()[1] == ["Band A", "6/9", "", "143.70", "", ""]


def test_with_no_band_d_for_the_year_the_table_is_left_out_and_the_checks_say_why(year):
    Precept.objects.filter(year=year).delete()
    report = build_report(year)
    assert report.precept is None
    assert report.problems == [
        "Table 3 (Police precept cost): there is no Band D for 2024/25, so the table is left out. "
        "Enter the 2024/25 precept."
    ]


def test_the_staff_page_shows_table_3_first_as_printed(year, staff_client):
    page = staff_client.get(reverse("reports:budget_tables"), {"year": year.pk}).content.decode()
    table = page[page.index('id="table-precept"') :]
    table = table[: table.index("</table>")]
    for heading in TABLE_3["columns"]:
        assert f">{heading}</th>" in table
    for row in expected_text()[1:]:
        assert f'<th scope="row" class="govuk-table__header">{row[0]}</th>' in table
        for text in row[1:]:
            assert f">{text}</td>" in table


def test_the_precept_table_costs_three_queries_and_a_year_without_one_costs_none(
    year, django_assert_num_queries
):
    # Table definitions, budgets, lines and the year's grants per line; then the two years' Band D with their typed
    # bands (two) and the office (one).
    with django_assert_num_queries(4 + 3):
        build_report(year)
    ReportTable.objects.filter(year=year).delete()
    with django_assert_num_queries(4):
        build_report(year)
