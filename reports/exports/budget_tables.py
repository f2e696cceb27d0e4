"""The annual report's budget tables as an Excel workbook: one sheet a table, in the report's order, then "Checks".

Totals are written as numbers computed from the records, not as formulas: a program that reads cached values
without recalculating (openpyxl with data_only=True, many importers) must see the same totals a person does.
"""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from exports.cells import set_text
from funds.models import FinancialYear
from reports.report_tables import Report, Table, build_report

WHOLE_POUNDS = '"£"#,##0'
POUNDS_AND_PENCE = '"£"#,##0.00'
BOLD = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="DDDDDD")


def _write_table(sheet, table: Table) -> None:
    set_text(sheet.cell(row=1, column=1), table.title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    for col, heading in enumerate(table.headings, start=1):
        cell = sheet.cell(row=2, column=col)
        set_text(cell, heading)
        cell.font, cell.fill = BOLD, HEADING_FILL
        if col > 1:
            cell.alignment = Alignment(horizontal="right", wrap_text=True)
    money_format = POUNDS_AND_PENCE if table.has_pence else WHOLE_POUNDS
    for offset, row in enumerate(table.rows):
        r = 3 + offset
        label = sheet.cell(row=r, column=1)
        set_text(label, row.label)
        label.alignment = Alignment(wrap_text=True, vertical="top")
        if row.amount is not None:
            amount = sheet.cell(row=r, column=2, value=row.amount)
            amount.number_format = money_format
        if table.show_projects and row.projects is not None:
            sheet.cell(row=r, column=3, value=row.projects)
        if row.style != "item":
            for col in range(1, len(table.headings) + 1):
                sheet.cell(row=r, column=col).font = BOLD
    sheet.column_dimensions["A"].width = 70
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
    for table in report.tables:
        _write_table(workbook.create_sheet(title=table.sheet_name), table)
    _write_checks(workbook.create_sheet(title="Checks"), report)
    workbook.properties.title = f"Budget tables {report.year}"
    return workbook


def write_budget_tables(year: FinancialYear, destination) -> Report:
    """Build the workbook for `year` and save it to a path or a binary file object."""
    report = build_report(year)
    build_workbook(report).save(destination)
    return report
