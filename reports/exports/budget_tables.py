"""The annual report's budget tables as an Excel workbook: one sheet a table, in the report's order (the precept table
first), then "Checks".

Totals are written as numbers computed from the records, not as formulas: a program that reads cached values
without recalculating (openpyxl with data_only=True, many importers) must see the same totals a person does.

A closed year's workbook is reproducible byte for byte (issue 12: the published tables can be regenerated and
compared): `save_reproducibly` stamps it with the time the year was closed instead of the time it was built.
"""

import datetime
import io
import zipfile

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from exports.cells import set_text
from funds.models import FinancialYear
from reports.printed import EXCEL_FORMATS, Format, PrintedTable, Style, from_budget_table
from reports.report_tables import Report, build_report

POUNDS_AND_PENCE = EXCEL_FORMATS[Format.PENCE]
BOLD = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="DDDDDD")


# Characters a sheet's name may not hold.
NOT_IN_SHEET_NAMES = str.maketrans(dict.fromkeys("\\/?*[]:", " "))


def _sheet_name(table: PrintedTable) -> str:
    """The table's title without its number, as the budget tables' sheets are named by their stream."""
    title = table.title.split(". ", 1)[1] if table.number is not None and ". " in table.title else table.title
    return title.translate(NOT_IN_SHEET_NAMES).strip()[:31] or table.key


def _write_printed_table(sheet, table: PrintedTable) -> None:
    """A table in the printed shape: every number stays a number, in the format its column prints."""
    set_text(sheet.cell(row=1, column=1), table.title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    for col, heading in enumerate(table.headings, start=1):
        cell = sheet.cell(row=2, column=col)
        set_text(cell, heading)
        cell.font, cell.fill = BOLD, HEADING_FILL
        if col > 1:
            cell.alignment = Alignment(horizontal="right", wrap_text=True)
    for offset, row in enumerate(table.rows):
        for col, printed in enumerate(row.cells, start=1):
            cell = sheet.cell(row=3 + offset, column=col)
            if printed.is_number:
                cell.value = printed.value
                cell.number_format = printed.excel_format
            elif printed.value is not None:
                set_text(cell, printed.text)
            if col == 1:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if row.style != Style.ITEM:
                cell.font = BOLD
    # Wide enough for the longest label on one line, up to 70 characters; longer labels wrap.
    longest = max((len(row.label) for row in table.rows), default=0)
    sheet.column_dimensions["A"].width = min(70, max(30, longest + 2))
    for col in range(2, len(table.headings) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 18
    sheet.freeze_panes = "A3"


def _write_checks(sheet, report: Report) -> None:
    set_text(sheet.cell(row=1, column=1), f"Checks on the {report.year} budget tables")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    set_text(sheet.cell(row=2, column=1), "Problem")
    sheet.cell(row=2, column=1).font = BOLD
    problems = report.problems or ["No problems found: every table adds up and no budget is over-allocated."]
    for offset, problem in enumerate(problems):
        set_text(sheet.cell(row=3 + offset, column=1), problem)
    sheet.column_dimensions["A"].width = 120


def build_workbook(report: Report) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    if report.precept is not None:
        _write_printed_table(workbook.create_sheet(title=_sheet_name(report.precept)), report.precept)
    for table in report.tables:
        _write_printed_table(workbook.create_sheet(title=table.sheet_name), from_budget_table(table))
    _write_checks(workbook.create_sheet(title="Checks"), report)
    workbook.properties.title = f"Budget tables {report.year}"
    return workbook


def stamp_for(year: FinancialYear) -> datetime.datetime:
    """When a year's workbook says it was made: the moment a closed year was closed, since its figures cannot have
    changed after; for an open year, now (its figures may change, so two builds are not expected to match)."""
    return year.closed_at or timezone.now()


def save_reproducibly(workbook: Workbook, destination, *, at: datetime.datetime) -> None:
    """Save `workbook` so the same figures and `at` always give the same bytes.

    openpyxl's own save stamps the document's "modified" property with the time of saving, and Python's zipfile
    stamps every part of the file with it too; both take `at` here instead (in UTC, to the second, as the file
    format keeps it)."""
    utc = timezone.localtime(at, datetime.UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = utc
    built = io.BytesIO()
    with zipfile.ZipFile(built, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    # The ZIP format's clock starts in 1980; each part is copied in the same order with only its time replaced.
    stamp = max(utc, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            info = zipfile.ZipInfo(part.filename, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, part.external_attr
            target.writestr(info, source.read(part.filename))
    if hasattr(destination, "write"):
        destination.write(out.getvalue())
    else:
        with open(destination, "wb") as file:
            file.write(out.getvalue())


def write_budget_tables(year: FinancialYear, destination) -> Report:
    """Build the workbook for `year` and save it to a path or a binary file object."""
    report = build_report(year)
    save_reproducibly(build_workbook(report), destination, at=stamp_for(year))
    return report
