import io
import time
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from funds.budget_import import ImportFileError, describe, import_budget_lines, read_rows
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
        csv_rows(
            "Community Safety Fund,Allocation to 7 Local Community Safety Partnerships,,Dudley,130000\n"
        ),
        year=year,
    )
    assert result.ok, result.errors
    line = BudgetLine.objects.get(budget__stream__slug="community-safety-fund", name="Dudley")
    assert line.amount == Decimal("130000.00")
    assert line.area.kind == "csp"


def test_a_dry_run_shows_what_would_change_and_writes_nothing(year):
    result = import_budget_lines(
        csv_rows(
            "Victims Fund,,Hate Crime,,160000\nVictims Fund,,Fraud,,5000\nVictims Fund,,Road Crime,,80343\n"
        ),
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
    result = import_budget_lines(
        csv_rows("Victims Fund,,Hate Crime,,1\nVictims Fund,,hate crime,,2\n"), year=year
    )
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

    assert result.errors == [
        'Row 4: amount "£1.2k": Enter an amount in pounds, like 1,250 or 1250.50, in full, not abbreviated like 12k'
    ]


def test_a_file_without_the_expected_columns_or_of_another_type_is_refused():
    with pytest.raises(ImportFileError, match="has no amount column"):
        read_rows(b"stream,priority,line\n", "lines.csv")
    with pytest.raises(ImportFileError, match="has no line column"):
        read_rows(b"stream,amount\n", "lines.csv")
    with pytest.raises(ImportFileError, match="CSV"):
        read_rows(b"%PDF-1.4", "lines.pdf")
    with pytest.raises(ImportFileError, match="is not an Excel workbook"):
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


# --- What finance officers actually have: files built here as Excel and its users write them -------------------

ROAD_CRIME = 'Victims Fund,,Road Crime,,"90,000"\n'


def vf(name: str) -> Decimal:
    return BudgetLine.objects.get(budget__stream__slug="victims-fund", name=name).amount


def xlsx(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def imported(data: bytes, filename: str, year):
    result = import_budget_lines(read_rows(data, filename), year=year)
    assert result.ok, result.errors
    return result


def test_a_csv_saved_by_excel_for_mac_with_cr_line_endings_is_read(year):
    imported(
        (HEADER + ROAD_CRIME + "Victims Fund,,Hate Crime,,160000\n").replace("\n", "\r").encode(),
        "lines.csv",
        year,
    )
    assert (vf("Road Crime"), vf("Hate Crime")) == (Decimal("90000.00"), Decimal("160000.00"))


def test_a_line_ending_inside_a_quoted_cell_stays_part_of_the_cell(year):
    result = import_budget_lines(
        read_rows((HEADER + 'Victims Fund,,"Road\r\nCrime",,1\n').encode(), "l.csv"), year=year
    )
    assert result.changes[0].name == "Road\r\nCrime"


def test_a_utf8_csv_with_a_byte_order_mark_is_read(year):
    imported(
        b"\xef\xbb\xbf" + (HEADER + 'Victims Fund,,Hate Crime,,"\u00a3160,000"\r\n').encode(),
        "lines.csv",
        year,
    )
    assert vf("Hate Crime") == Decimal("160000.00")


def test_excel_unicode_text_utf16_with_tabs_is_read(year):
    text = "stream\tpriority\tline\tarea\tamount\r\nVictims Fund\t\tHate Crime\t\t\u00a3160,000\r\n"
    imported(text.encode("utf-16"), "lines.txt", year)
    assert vf("Hate Crime") == Decimal("160000.00")


def test_a_windows_excel_csv_in_cp1252_with_a_pound_sign_is_read(year):
    data = (
        HEADER + 'Victims Fund,,Hate Crime,,"\u00a3160,000"\r\nVictims Fund,,Caf\u00e9 outreach,,\u00a35\r\n'
    ).encode("cp1252")
    assert b"\xa3" in data
    imported(data, "lines.csv", year)
    assert (vf("Hate Crime"), vf("Caf\u00e9 outreach")) == (Decimal("160000.00"), Decimal("5.00"))


def test_a_file_in_no_encoding_we_can_read_is_refused_with_what_to_do():
    with pytest.raises(
        ImportFileError, match=r'could not be read as text\. Save it from Excel as "CSV UTF-8'
    ):
        read_rows(HEADER.encode() + b"Victims Fund,,Hate Crime,,\x81\x8d\n", "lines.csv")


def test_a_file_without_an_area_or_priority_column_is_read(year):
    imported(b"stream,line,amount\nVictims Fund,Hate Crime,160000\n", "lines.csv", year)
    assert vf("Hate Crime") == Decimal("160000.00")


def test_a_total_row_that_matches_is_checked_and_never_becomes_a_line(year):
    result = imported(
        (HEADER + ROAD_CRIME + 'Victims Fund,,Hate Crime,,160000\n,,Total,,"250,000"\n').encode(),
        "lines.csv",
        year,
    )
    assert not BudgetLine.objects.filter(name__iexact="total").exists()
    assert "Row 4: the total row matches the lines above it (£250,000)." in describe(result)


def test_subtotals_and_a_grand_total_are_each_checked_against_their_own_lines(year):
    imported(
        (
            HEADER + ROAD_CRIME + "Victims Fund,,Hate Crime,,160000\nSub-total,,,,250000\n"
            "Victims Fund,,Fraud,,5000\nVictims Fund subtotal,,,,5000\nGRAND TOTAL,,,,255000\n"
        ).encode(),
        "lines.csv",
        year,
    )
    assert vf("Fraud") == Decimal("5000.00")


def test_a_total_row_that_does_not_match_is_reported_with_both_figures_and_nothing_is_written(year):
    result = import_budget_lines(
        read_rows(
            (HEADER + ROAD_CRIME + 'Victims Fund,,Hate Crime,,160000\nTotal,,,,"260,000"\n').encode(),
            "lines.csv",
        ),
        year=year,
    )
    assert result.errors == ["Row 4: the total row says £260,000 but the lines add up to £250,000"]
    assert vf("Road Crime") == Decimal("80343.00")


def test_amounts_in_thousands_are_converted_exactly_when_the_heading_says_so(year):
    result = imported(
        b"stream,line,amount (\xc2\xa3000)\nVictims Fund,Hate Crime,160\nVictims Fund,Road Crime,90.3435\n"
        b"Total,,250.3435\n",
        "lines.csv",
        year,
    )
    assert (vf("Hate Crime"), vf("Road Crime")) == (Decimal("160000.00"), Decimal("90343.50"))
    assert (
        'The amount column is headed "amount (£000)", so every amount was multiplied by 1,000.'
        in describe(result)
    )


def test_an_xlsx_headed_in_millions_is_converted_exactly(year):
    imported(
        xlsx(
            ["Stream", "Line", "£m"],
            ["Victims Fund", "Hate Crime", 0.16],
            ["Victims Fund", "Road Crime", "0.09"],
        ),
        "lines.xlsx",
        year,
    )
    assert (vf("Hate Crime"), vf("Road Crime")) == (Decimal("160000.00"), Decimal("90000.00"))


def test_a_units_column_says_each_row_s_units_and_blank_means_pounds(year):
    imported(
        b"stream,line,amount,units\nVictims Fund,Hate Crime,160,\xc2\xa3000\nVictims Fund,Road Crime,0.09,\xc2\xa3m\n"
        b"Victims Fund,Fraud,5000,\n",
        "lines.csv",
        year,
    )
    assert (vf("Hate Crime"), vf("Road Crime"), vf("Fraud")) == (
        Decimal("160000.00"),
        Decimal("90000.00"),
        Decimal("5000.00"),
    )


def test_units_that_are_not_understood_are_refused(year):
    result = import_budget_lines(
        read_rows(b"stream,line,amount,units\nVictims Fund,Hate Crime,160,bananas\n", "lines.csv"), year=year
    )
    assert result.errors == ['Row 2: units "bananas": Write the units as £, £000 or £m']
    with pytest.raises(ImportFileError, match=r'headed "amount \(£bn\)", which does not say a unit we know'):
        read_rows("stream,line,amount (£bn)\nVictims Fund,Hate Crime,1\n".encode(), "lines.csv")


def test_without_a_units_heading_or_column_amounts_are_pounds(year):
    imported(b"stream,line,amount\nVictims Fund,Hate Crime,160\n", "lines.csv", year)
    assert vf("Hate Crime") == Decimal("160.00")


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def test_a_file_that_lies_about_its_type_is_refused_saying_what_it_is():
    with pytest.raises(ImportFileError, match=r"lines\.csv is not a CSV file: it is a PNG file"):
        read_rows(PNG + b"\x00" * 64, "lines.csv")
    with pytest.raises(
        ImportFileError, match=r"lines.xlsx is not an Excel workbook: it is a text file \(a CSV\?\)"
    ):
        read_rows((HEADER + ROAD_CRIME).encode(), "lines.xlsx")
    with pytest.raises(ImportFileError, match=r"lines\.csv is not a CSV file: it is an Excel workbook"):
        read_rows(xlsx(["stream", "line", "amount"]), "lines.csv")


def zip_bomb(expanded_mb: int = 300) -> bytes:
    """An .xlsx-shaped zip whose worksheet is hundreds of megabytes of zeros, packed into a few hundred kilobytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"0" * (1024 * 1024)
            for _ in range(expanded_mb):
                part.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_named_xlsx_is_refused_from_its_directory_before_anything_expands():
    bomb = zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="expands to far more than"):
        read_rows(bomb, "lines.xlsx")
    elapsed, (_now, peak) = time.monotonic() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2 and peak < 10 * 1024 * 1024, (elapsed, peak)


def with_a_doctype(book: bytes, part: str, doctype: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == part:
                declaration, rest = data.split(b"?>", 1) if data.startswith(b"<?xml") else (b"", data)
                data = (
                    declaration
                    + (b"?>" if declaration else b"")
                    + doctype
                    + rest.replace(b"Hate Crime", b"&xxe;")
                )
            target.writestr(member, data)
    return out.getvalue()


def test_an_xlsx_with_external_entities_is_refused_and_nothing_is_read_from_the_server(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-leak")
    book = xlsx(["stream", "line", "amount"], ["Victims Fund", "Hate Crime", 1])
    for part in ("xl/worksheets/sheet1.xml", "xl/workbook.xml"):
        hostile = with_a_doctype(
            book, part, f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode()
        )
        with pytest.raises(ImportFileError, match="XML document type") as error:
            read_rows(hostile, "lines.xlsx")
        assert "do-not-leak" not in str(error.value)


def test_the_xml_parser_openpyxl_uses_resolves_no_entities():
    # Behind the refusal above: if a document type ever got past it, the worksheet parser would still refuse it.
    from openpyxl.xml.functions import iterparse

    document = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(ValueError):  # defusedxml's EntitiesForbidden
        list(iterparse(io.BytesIO(document)))


def test_a_file_with_too_many_rows_is_refused_once_it_has_read_one_row_too_many():
    body = "".join(f"Victims Fund,,Line {n},,1\n" for n in range(5001))
    with pytest.raises(
        ImportFileError, match=r"lines\.csv has more than 5,000 rows of budget lines, the limit"
    ):
        read_rows((HEADER + body).encode(), "lines.csv")


def test_a_sheet_that_claims_a_million_rows_is_read_quickly(year):
    book = Workbook()
    book.active.append(["stream", "line", "amount"])
    book.active.append(["Victims Fund", "Hate Crime", 160000])
    book.active.cell(row=1_048_576, column=16_384, value=" ")
    buffer = io.BytesIO()
    book.save(buffer)
    started = time.monotonic()
    rows = read_rows(buffer.getvalue(), "lines.xlsx")
    assert len(rows) == 1 and time.monotonic() - started < 20  # bounded: about 2s on an idle laptop


def test_the_command_reads_a_mac_csv_in_thousands_and_checks_its_total(year, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_bytes(
        b"stream,line,amount (\xc2\xa3000)\rVictims Fund,Road Crime,90\rVictims Fund,Hate Crime,160\r"
        b"Total,,250\r"
    )
    out = io.StringIO()
    call_command("import_budget_lines", str(path), "--year", "2024/25", stdout=out)
    assert "the total row matches the lines above it (£250,000)" in out.getvalue()
    assert (vf("Road Crime"), vf("Hate Crime")) == (Decimal("90000.00"), Decimal("160000.00"))


def test_the_command_refuses_a_total_that_does_not_match_and_a_lying_file(year, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_bytes(b"stream,line,amount\nVictims Fund,Road Crime,90000\nTotal,,80000\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problems found; nothing was imported"):
        call_command("import_budget_lines", str(path), "--year", "2024/25", stdout=out)
    assert "Row 3: the total row says £80,000 but the lines add up to £90,000" in out.getvalue()
    png = tmp_path / "lines.xlsx"
    png.write_bytes(PNG)
    with pytest.raises(CommandError, match=r"lines\.xlsx is not an Excel workbook: it is a PNG file"):
        call_command("import_budget_lines", str(png), "--year", "2024/25", stdout=io.StringIO())
    assert vf("Road Crime") == Decimal("80343.00")


# --- the same files through the admin page ---------------------------------------------------------------------


@pytest.fixture
def post_import(django_capture_on_commit_callbacks):
    """Upload a file on the admin page and follow it to its job's page; with no broker the check runs in-process as
    the upload commits. With `confirm`, press "Import these changes" as well."""

    def post(client, year, name: str, data: bytes, confirm: bool = False):
        # The callbacks run as the block ends, after the response: the job's page is read again afterwards.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:funds_budgetline_import"),
                {"year": year.pk, "file": SimpleUploadedFile(name, data)},
            )
        if response.status_code != 302:
            return response  # refused on upload: the form again, with the reason
        page = client.get(response.url)
        if confirm and "Import these changes" in page.content.decode():
            with django_capture_on_commit_callbacks(execute=True):
                client.post(response.url, {"action": "confirm"})
            page = client.get(response.url)
        return page

    return post


def test_the_admin_page_imports_a_mac_utf16_or_cp1252_file_without_an_area_column(
    staff_client, year, post_import
):
    for name, data in [
        ("mac.csv", b"stream,line,amount\rVictims Fund,Hate Crime,160000\r"),
        (
            "unicode.txt",
            "stream\tline\tamount\r\nVictims Fund\tRoad Crime\t\u00a390,000\r\n".encode("utf-16"),
        ),
        ("windows.csv", 'stream,line,amount\r\nVictims Fund,Fraud,"\u00a35,000"\r\n'.encode("cp1252")),
    ]:
        response = post_import(staff_client, year, name, data, confirm=True)
        assert response.status_code == 200 and "What was imported" in response.content.decode(), name
    assert (vf("Hate Crime"), vf("Road Crime"), vf("Fraud")) == (
        Decimal("160000.00"),
        Decimal("90000.00"),
        Decimal("5000.00"),
    )


def test_the_admin_page_check_shows_the_units_and_total_it_understood(staff_client, year, post_import):
    page = post_import(
        staff_client,
        year,
        "lines.csv",
        b"stream,line,amount,units\nVictims Fund,Hate Crime,160,\xc2\xa3000\nTotal,,160,\xc2\xa3000\n",
    ).content.decode()
    assert "change Victims Fund: Hate Crime from £157,500 to £160,000" in page
    assert "the total row matches the lines above it (£160,000)" in page
    assert "Up to 5,000 rows and 2MB" in page
    assert vf("Hate Crime") == Decimal("157500.00")


@pytest.mark.parametrize(
    "name, data, message",
    [
        (
            "lines.csv",
            b"stream,line,amount\nVictims Fund,Hate Crime,160000\nTotal,,1\n",
            "Row 3: the total row says £1 but the lines add up to £160,000",
        ),
        (
            "lines.csv",
            b"stream,line,amount,units\nVictims Fund,Hate Crime,160,bananas\n",
            "Row 2: units &quot;bananas&quot;: Write the units as £, £000 or £m",
        ),
        ("lines.csv", PNG, "lines.csv is not a CSV file: it is a PNG file"),
        ("lines.xlsx", b"stream,line,amount\n", "lines.xlsx is not an Excel workbook"),
        ("lines.xlsx", None, "expands to far more than a workbook of 5,000 budget lines"),
        ("lines.xlsx", "xxe", "XML document type"),
        (
            "lines.csv",
            "many",
            "lines.csv has 5,001 rows of budget lines, which is 1 more than the 5,000 limit",
        ),
    ],
)
def test_the_admin_page_refuses_a_bad_file_with_a_reason_and_writes_nothing(
    staff_client, year, name, data, message, post_import
):
    if data is None:
        data = zip_bomb(30)
    elif data == "xxe":
        data = with_a_doctype(
            xlsx(["stream", "line", "amount"], ["Victims Fund", "Hate Crime", 1]),
            "xl/worksheets/sheet1.xml",
            b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        )
    elif data == "many":
        data = (HEADER + "".join(f"Victims Fund,,Line {n},,1\n" for n in range(5001))).encode()
    before = list(BudgetLine.objects.order_by("pk").values_list("pk", "amount"))
    response = post_import(staff_client, year, name, data, confirm=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(BudgetLine.objects.order_by("pk").values_list("pk", "amount")) == before


def test_the_refusal_counts_its_problems_in_words_a_person_would_write():
    from funds.budget_import import ImportResult, describe

    one, two = ImportResult(), ImportResult()
    one.errors, two.errors = ["Row 3: wrong"], ["Row 3: wrong", "Row 4: wrong"]
    assert describe(one)[0] == "Nothing was imported. Fix this problem and try again:"
    assert describe(two)[0] == "Nothing was imported. Fix these 2 problems and try again:"


def test_a_dry_run_names_the_priority_a_line_sits_under(year):
    result = import_budget_lines(
        csv_rows(
            "Community Safety Fund,Allocation to 7 Local Community Safety Partnerships,,Dudley,130000\n"
        ),
        year=year,
        dry_run=True,
    )
    assert [c.describe() for c in result.changes] == [
        "Row 2: change Community Safety Fund: Allocation to 7 Local Community Safety Partnerships / Dudley"
        " from £126,000 to £130,000",
    ]
