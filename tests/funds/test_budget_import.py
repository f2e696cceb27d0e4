import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from funds.budget_import import ImportFileError, import_budget_lines, read_rows
from funds.models import BudgetLine, FinancialYear

pytestmark = pytest.mark.django_db

HEADER = "stream,priority,line,area,amount\n"


def csv_rows(text: str):
    return read_rows((HEADER + text).encode(), "lines.csv")


@pytest.fixture
def year(demo_data):
    return FinancialYear.objects.get(start_year=2024)


def test_amounts_with_pound_signs_commas_and_pence_are_imported(year):
    result = import_budget_lines(
        csv_rows(
            'Victims Fund,,Hate Crime,,"£1,234"\n'
            "Victims Fund,,Road Crime,,1234\n"
            'Victims Fund,,New Line,,"1,234.50"\n'
        ),
        year=year,
    )
    assert result.ok, result.errors
    lines = BudgetLine.objects.filter(budget__stream__slug="victims-fund")
    assert lines.get(name="Hate Crime").amount == Decimal("1234.00")
    assert lines.get(name="Road Crime").amount == Decimal("1234.00")
    assert lines.get(name="New Line").amount == Decimal("1234.50")


def test_every_bad_row_is_listed_with_its_row_number_and_raw_value_and_nothing_is_written(year):
    before = list(BudgetLine.objects.order_by("pk").values_list("pk", "amount"))
    result = import_budget_lines(
        csv_rows(
            "Victims Fund,,Hate Crime,,999\n"  # row 2: fine, but must not be written
            'Victims Fund,,Road Crime,,"74, 626"\n'  # row 3
            "Victims Fund,,Sexual Violence,,12k\n"  # row 4
            "Victims Fund,,Modern Slavery,,-500\n"  # row 5
            "Victims Fund,,FGM Support Services,,\n"  # row 6
            "Lottery Fund,,Anything,,100\n"  # row 7
            "Community Safety Fund,Allocation to 7 Local Community Safety Partnerships,,Atlantis,100\n"  # row 8
        ),
        year=year,
    )
    assert not result.ok
    assert result.errors == [
        'Row 3: amount "74, 626": Enter an amount in pounds, like 1,250 or 1250.50',
        'Row 4: amount "12k": Enter an amount in pounds, like 1,250 or 1250.50, in full, not abbreviated like 12k',
        'Row 5: amount "-500": Enter an amount of 0 or more, without a minus sign',
        'Row 6: amount "": Enter an amount',
        'Row 7: there is no funding stream called "Lottery Fund"',
        'Row 8: there is no area called "Atlantis" in 2024/25',
    ]
    assert list(BudgetLine.objects.order_by("pk").values_list("pk", "amount")) == before


def test_a_stream_can_be_named_by_a_name_it_used_to_have(year):
    result = import_budget_lines(csv_rows("Active Citizens Fund,,Street Watch,,35000\n"), year=year)
    assert result.ok, result.errors
    assert BudgetLine.objects.get(name="Street Watch").amount == Decimal("35000.00")


def test_area_lines_find_the_stream_s_kind_of_area_and_keep_their_section(year):
    result = import_budget_lines(
        csv_rows("Community Safety Fund,Allocation to 7 Local Community Safety Partnerships,,Dudley,130000\n"),
        year=year,
    )
    assert result.ok, result.errors
    line = BudgetLine.objects.get(budget__stream__slug="community-safety-fund", name="Dudley")
    assert line.amount == Decimal("130000.00")
    assert line.area.kind == "csp"


def test_a_dry_run_shows_what_would_change_and_writes_nothing(year):
    result = import_budget_lines(
        csv_rows("Victims Fund,,Hate Crime,,160000\nVictims Fund,,Fraud,,5000\nVictims Fund,,Road Crime,,80343\n"),
        year=year,
        dry_run=True,
    )
    assert [c.describe() for c in result.changes] == [
        "Row 2: change Victims Fund: Hate Crime from £157,500 to £160,000",
        "Row 3: add Victims Fund: Fraud at £5,000",
        "Row 4: Victims Fund: Road Crime stays at £80,343",
    ]
    assert not result.written
    assert BudgetLine.objects.get(name="Hate Crime").amount == Decimal("157500.00")
    assert not BudgetLine.objects.filter(name="Fraud").exists()


def test_the_same_line_twice_in_one_file_is_an_error(year):
    result = import_budget_lines(csv_rows("Victims Fund,,Hate Crime,,1\nVictims Fund,,hate crime,,2\n"), year=year)
    assert result.errors == ["Row 3: the same line appears on row 2"]


def test_an_xlsx_file_is_read_the_same_way_with_spreadsheet_row_numbers(year):
    book = Workbook()
    sheet = book.active
    sheet.append(["Stream", "Priority", "Line", "Area", "Amount"])
    sheet.append(["Victims Fund", None, "Hate Crime", None, 158000.5])
    sheet.append([None, None, None, None, None])
    sheet.append(["Victims Fund", None, "Road Crime", None, "£1.2k"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_budget_lines(read_rows(buffer.getvalue(), "lines.xlsx"), year=year)

    assert result.errors == ['Row 4: amount "£1.2k": Enter an amount in pounds, like 1,250 or 1250.50, in full, not abbreviated like 12k']


def test_a_file_without_the_expected_columns_or_of_another_type_is_refused():
    with pytest.raises(ImportFileError, match="has no area, amount column"):
        read_rows(b"stream,priority,line\n", "lines.csv")
    with pytest.raises(ImportFileError, match="CSV"):
        read_rows(b"%PDF-1.4", "lines.pdf")
    with pytest.raises(ImportFileError, match="not a readable Excel"):
        read_rows(b"not a zip", "lines.xlsx")


def test_the_command_exits_non_zero_listing_every_error(year, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(HEADER + 'Victims Fund,,Hate Crime,,"74, 626"\nVictims Fund,,Road Crime,,1\n')
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problems found; nothing was imported"):
        call_command("import_budget_lines", str(path), "--year", "2024/25", stdout=out)
    assert 'Row 2: amount "74, 626"' in out.getvalue()
    assert BudgetLine.objects.get(name="Road Crime").amount == Decimal("80343.00")


def test_the_command_dry_run_then_real_run(year, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(HEADER + "Victims Fund,,Road Crime,,90000\n")
    out = io.StringIO()
    call_command("import_budget_lines", str(path), "--year", "24-25", "--dry-run", stdout=out)
    assert "change Victims Fund: Road Crime from £80,343 to £90,000" in out.getvalue()
    assert BudgetLine.objects.get(name="Road Crime").amount == Decimal("80343.00")
    call_command("import_budget_lines", str(path), "--year", "2024/25", stdout=io.StringIO())
    assert BudgetLine.objects.get(name="Road Crime").amount == Decimal("90000.00")
