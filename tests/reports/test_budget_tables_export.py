"""The 2024/25 workbook, read back as an importer would (cached values, no recalculation)."""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from funds import services
from funds.models import BudgetLine

pytestmark = pytest.mark.django_db

PUBLISHED = json.loads(
    (Path(__file__).parents[2] / "funds" / "demo_data" / "west_midlands_2024_25.json").read_text()
)


def published(number: int) -> dict:
    return next(t for t in PUBLISHED["tables"] if t["title"].startswith(f"Table {number}."))


@pytest.fixture
def workbook(demo_data, tmp_path):
    path = tmp_path / "tables.xlsx"
    call_command("export_budget_tables", "--year", "2024/25", "--output", str(path), stdout=io.StringIO())
    return load_workbook(path, data_only=True)


def rows(sheet) -> list[tuple]:
    return [tuple(c for c in row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def test_the_sheets_follow_the_report_s_order_from_table_3_and_end_with_checks(workbook):
    assert workbook.sheetnames == [
        "Police precept cost",
        "Helping Communities Fund",
        "Prevention and Intervention",
        "Community Safety Fund",
        "Victims Fund",
        "IDVA and ISVA",
        "Checks",
    ]


@pytest.mark.parametrize(
    "number, sheet",
    [
        (5, "Prevention and Intervention"),
        (6, "Community Safety Fund"),
        (7, "Victims Fund"),
        (8, "IDVA and ISVA"),
    ],
)
def test_every_published_figure_of_tables_5_to_8_is_in_the_workbook(workbook, number, sheet):
    table = published(number)
    ws = workbook[sheet]
    assert ws["A1"].value == table["title"]
    expected = [(row["label"], row["amount"]) for row in table["rows"]]
    actual = [(label, amount) for label, amount, *_ in rows(ws) if amount is not None]
    assert actual == expected


def test_table_6_prints_its_two_section_headings_before_their_lines(workbook):
    labels = [row[0] for row in rows(workbook["Community Safety Fund"])]
    assert labels[0] == "Force Wide Commissioning Allocations"
    assert labels[labels.index("Sub-Total") + 1] == "Allocation to 7 Local Community Safety Partnerships"


def test_table_4_holds_the_published_rows_and_a_computed_total_of_415_418(workbook):
    ws = workbook["Helping Communities Fund"]
    assert ws["A1"].value == "Table 4. Helping Communities Fund Allocations 24-25"
    assert [c.value for c in ws[2]] == ["Local Policing Area", "Allocation", "Number Of Projects"]
    table = published(4)
    items = [(r["label"], r["amount"], r["projects"]) for r in table["rows"] if r["row_type"] == "item"]
    assert rows(ws)[:-1] == items
    assert rows(ws)[-1] == ("Helping Communities Fund Total", 415418, 52)


def test_amounts_are_numbers_in_a_pounds_thousands_format(workbook):
    cell = workbook["Victims Fund"]["B3"]
    assert isinstance(cell.value, int | float)
    assert cell.number_format == '"£"#,##0'


def test_the_checks_sheet_names_the_helping_communities_fund_overrun_and_table_8_s_copied_total(workbook):
    problems = [row[0] for row in workbook["Checks"].iter_rows(min_row=3, values_only=True)]
    assert problems == [
        "Helping Communities Fund 2024/25: lines total £415,418, which is £15,418 more than the £400,000 pot",
        # As published: Table 8's IDVA and ISVA total is labelled with Table 7's.
        "“Table 7. Victims Fund Budget 24-25” and “Table 8. Independent Domestic Violence Advocate (IDVA) and "
        "Independent Sexual Violence Advocate (ISVA) Funding 2024/25” print the same total label, “Total Victims "
        "Fund Budget”: give each table its own total label in its definition, so a reader can tell the totals apart.",
    ]


def test_project_counts_come_from_awards_once_money_is_committed(demo_data, tmp_path):
    from applications.models import Award
    from tests.applications.factories import RoundFactory, approved_award

    solihull = BudgetLine.objects.get(budget__stream__slug="helping-communities-fund", name="Solihull")
    round_ = RoundFactory(budget=solihull.budget)
    for n in range(5):
        award = approved_award(round_=round_, amount=Decimal("1000"), line=solihull)
        if n < 4:  # the fifth still awaits finance: not yet a project
            award.commitment = services.commit_to_line(
                line_id=solihull.pk, amount=award.amount, reference=f"HCF-{n}", committed_for=award
            )
            award.status = (
                Award.Status.COMMITTED if n < 3 else Award.Status.CANCELLED
            )  # the fourth was cancelled
            award.save()
    # Money committed for something other than a grant is not a project either.
    services.commit_to_line(line_id=solihull.pk, amount=Decimal("10"), reference="Not a grant")
    path = tmp_path / "tables.xlsx"
    call_command("export_budget_tables", "--year", "2024/25", "--output", str(path), stdout=io.StringIO())
    ws = load_workbook(path, data_only=True)["Helping Communities Fund"]
    by_label = {row[0]: row for row in rows(ws)}
    assert by_label["Solihull"][2] == 3
    assert by_label["Helping Communities Fund Total"][2] == 53


def test_pence_are_kept_and_shown_when_a_line_has_them(demo_data, tmp_path):
    BudgetLine.objects.filter(name="Hate Crime").update(amount=Decimal("157500.55"))
    path = tmp_path / "tables.xlsx"
    call_command("export_budget_tables", "--year", "2024/25", "--output", str(path), stdout=io.StringIO())
    ws = load_workbook(path, data_only=True)["Victims Fund"]
    assert rows(ws)[-1][1] == pytest.approx(3775558.55)
    assert ws["B3"].number_format == '"£"#,##0.00'


def test_a_line_name_that_looks_like_a_formula_is_written_as_text(demo_data, tmp_path):
    BudgetLine.objects.filter(name="Hate Crime").update(name='=HYPERLINK("http://evil")')
    path = tmp_path / "tables.xlsx"
    call_command("export_budget_tables", "--year", "2024/25", "--output", str(path), stdout=io.StringIO())
    cell = load_workbook(path)["Victims Fund"]["A5"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil")'


def test_an_unknown_year_is_a_clear_command_error(demo_data, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="There is no 2030/31 financial year"):
        call_command("export_budget_tables", "--year", "2030/31", "--output", str(tmp_path / "x.xlsx"))


def test_a_closed_years_workbook_is_the_same_bytes_every_time_it_is_built(demo_data):
    import datetime
    import time
    import zipfile

    from django.utils import timezone

    from exports.registry import builder_for
    from funds.models import FinancialYear
    from reports.exports.budget_tables import write_budget_tables
    from reports.exports.builders import BUDGET_TABLES

    closed = timezone.make_aware(datetime.datetime(2025, 6, 30, 17, 0, 12))  # BST: 16:00:12 UTC
    FinancialYear.objects.filter(start_year=2024).update(closed_at=closed)
    year = FinancialYear.objects.get(start_year=2024)
    first = io.BytesIO()
    write_budget_tables(year, first)
    time.sleep(2.1)  # past the ZIP format's two-second clock, so a build stamped with "now" would differ
    _name, second = builder_for(BUDGET_TABLES)({"year_id": year.pk})
    assert first.getvalue() == second
    properties = load_workbook(io.BytesIO(second)).properties
    assert properties.created == properties.modified == datetime.datetime(2025, 6, 30, 16, 0, 12)
    with zipfile.ZipFile(io.BytesIO(second)) as archive:
        assert {part.date_time for part in archive.infolist()} == {(2025, 6, 30, 16, 0, 12)}
