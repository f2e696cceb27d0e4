"""The public grants list as CSV and Excel, built from `selectors.public_grant_rows` (public fields only).

Rows stream from the database cursor and openpyxl writes in write-only mode, so memory stays flat as the list grows.
A whole year's file (or every year's) is built once per publication version and served from private storage after
that (transparency.grant_files); a download with other filters is built in the request and kept in the cache."""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from exports.cells import text_cell
from funds.models import FinancialYear

COLUMNS = [
    # (heading, row key, kind)
    ("Reference", "reference", "text"),
    ("Recipient organisation", "recipient", "text"),
    ("Project title", "project_title", "text"),
    ("Area", "area", "text"),
    ("Funding stream", "stream", "text"),
    ("Round", "round", "text"),
    ("Financial year", "year", "text"),
    ("Amount awarded (£)", "amount", "money"),
    ("Award date", "award_date", "date"),
]
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is run as a formula when the CSV is opened in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _with_year(rows):
    for row in rows:
        row["year"] = FinancialYear(start_year=row["year_start"]).label()
        yield row


def _csv_text(value) -> str:
    text = "" if value is None else str(value)
    # The leading apostrophe is how spreadsheets are told "this is text"; only text people typed can need it.
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def grants_csv(rows) -> str:
    """RFC 4180 CSV: a field with a comma, quote or line break is quoted and its quotes doubled."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([heading for heading, _, _ in COLUMNS])
    for row in _with_year(rows):
        cells = []
        for _, key, kind in COLUMNS:
            value = row[key]
            if kind == "money":
                cells.append(f"{value:.2f}")  # exact pence from the Decimal, never through a float
            elif kind == "date":
                cells.append(value.isoformat() if value else "")
            else:
                cells.append(_csv_text(value))
        writer.writerow(cells)
    return out.getvalue()


def grants_xlsx(rows, *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Grants awarded")
    bold = Font(bold=True)
    sheet.append([text_cell(sheet, title, font=Font(bold=True, size=14))])
    sheet.append([text_cell(sheet, heading, font=bold) for heading, _, _ in COLUMNS])
    for row in _with_year(rows):
        cells = []
        for _, key, kind in COLUMNS:
            value = row[key]
            if kind == "money":
                cell = WriteOnlyCell(sheet, value=Decimal(value))
                cell.number_format = "£#,##0.00"
            elif kind == "date":
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "d mmmm yyyy"
            else:
                cell = text_cell(sheet, value)  # what applicants typed stays text, never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
