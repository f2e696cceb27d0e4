"""The annual report pack: one workbook with the budget tables (the budget-tables workbook's own sheets), the year's
PCC decisions grouped by date, and the narrative figures with their definitions.

Decisions come only through reports.report_figures.decisions_by_date, which reads transparency.selectors.public_view:
a confidential decision's title and summary never reach this file.
"""

from openpyxl.styles import Alignment, Font

from exports.cells import set_text
from funds.models import FinancialYear
from reports.report_figures import AnnualFigures, DecisionDay, annual_figures, decisions_by_date
from reports.report_tables import build_report

from .budget_tables import BOLD, HEADING_FILL, POUNDS_AND_PENCE, build_workbook, save_reproducibly, stamp_for

TITLE = Font(bold=True, size=13)
WHOLE_NUMBER = "#,##0"


def _date(day) -> str:
    return f"{day.day} {day:%B %Y}"


def _heading_row(sheet, row: int, headings: list[str]) -> None:
    for col, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=row, column=col)
        set_text(cell, heading)
        cell.font, cell.fill = BOLD, HEADING_FILL


def write_decisions(sheet, year: FinancialYear, days: list[DecisionDay]) -> None:
    set_text(sheet.cell(row=1, column=1), f"PCC decisions {_date(year.starts_on)} to {_date(year.ends_on)}")
    sheet.cell(row=1, column=1).font = TITLE
    _heading_row(sheet, 2, ["Date", "Decision number", "Decision"])
    row = 3
    if not days:
        set_text(sheet.cell(row=row, column=1), "No decisions were made in this financial year.")
    for day in days:
        # A date row, then its decisions: the annual report prints the list grouped by date.
        set_text(sheet.cell(row=row, column=1), _date(day.day))
        sheet.cell(row=row, column=1).font = BOLD
        row += 1
        for entry in day.entries:
            set_text(sheet.cell(row=row, column=2), f"PCC Decision {entry.number}")
            set_text(sheet.cell(row=row, column=3), entry.text)
            sheet.cell(row=row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 90
    sheet.freeze_panes = "A3"


def write_figures(sheet, figures: AnnualFigures) -> None:
    defs = figures.definitions
    set_text(sheet.cell(row=1, column=1), f"Figures for the annual report {figures.year}")
    sheet.cell(row=1, column=1).font = TITLE
    row = 3

    def section(title: str, definition: str, headings: list[str]) -> None:
        nonlocal row
        set_text(sheet.cell(row=row, column=1), title)
        sheet.cell(row=row, column=1).font = Font(bold=True, size=12)
        set_text(sheet.cell(row=row + 1, column=1), f"Definition: {definition}")
        sheet.cell(row=row + 1, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=4)
        sheet.row_dimensions[row + 1].height = 45
        _heading_row(sheet, row + 2, headings)
        row += 3

    def line(label: str, *values, formats=(), bold=False) -> None:
        nonlocal row
        set_text(sheet.cell(row=row, column=1), label)
        for col, (value, number_format) in enumerate(zip(values, formats, strict=False), start=2):
            cell = sheet.cell(row=row, column=col, value=value)
            cell.number_format = number_format
        if bold:
            for col in range(1, len(values) + 2):
                sheet.cell(row=row, column=col).font = BOLD
        row += 1

    money, count = POUNDS_AND_PENCE, WHOLE_NUMBER
    section(
        "Projects funded, by area",
        defs["projects"],
        ["Area", "Projects", "Amount awarded", "Paid in the year"],
    )
    for area in figures.projects_by_area:
        line(area.area, area.projects, area.awarded, area.paid, formats=(count, money, money))
    line(
        "Total",
        figures.projects,
        figures.awarded,
        figures.projects_paid,
        formats=(count, money, money),
        bold=True,
    )
    row += 1

    section("Services commissioned, by stream", defs["services"], ["Stream", "Services"])
    for stream in figures.services_by_stream:
        line(stream.stream, stream.services, formats=(count,))
    line("Total (each service once)", figures.services, formats=(count,), bold=True)
    row += 1

    section("Victims supported", defs["victims"], ["Measure", "Victims"])
    line("New victims supported", figures.new_victims, formats=(count,))
    line("New and existing victims supported", figures.new_and_existing_victims, formats=(count,))
    row += 1

    delivered = figures.delivered
    section("What grants delivered", defs["delivered"], ["Output", "Total"])
    for name, total in delivered.output_totals:
        line(name, total, formats=(count,))
    for heading, rows in (("By round", delivered.by_round), ("By area", delivered.by_area)):
        if not delivered.outputs:
            break
        _heading_row(sheet, row, [heading, *delivered.outputs])
        row += 1
        for entry in rows:
            line(entry.name, *entry.values, formats=(count,) * len(entry.values))
    if delivered.case_studies:
        _heading_row(sheet, row, ["Case study", "Organisation", "Area", "Round"])
        row += 1
        for study in delivered.case_studies:
            # What grantees typed: written as text, never as a formula.
            for col, text in enumerate((study.project, study.organisation, study.area, study.round), start=1):
                set_text(sheet.cell(row=row, column=col), text)
            row += 1
    row += 1

    totals = figures.totals
    section(
        "Spend and commitments",
        " ".join(defs[k] for k in ("budget", "allocated", "spend", "commissioned", "committed")),
        ["Figure", "Amount"],
    )
    line("Budget (the year's pots)", totals.budget, formats=(money,))
    line("Allocated to budget lines", totals.allocated, formats=(money,))
    line("Total spend (payments dated in the year)", totals.paid_in_year, formats=(money,))
    line("Spend on commissioned services", totals.commissioned_spend, formats=(money,))
    line("Total committed against the year's budgets", totals.committed, formats=(money,))

    sheet.column_dimensions["A"].width = 48
    for col in "BCD":
        sheet.column_dimensions[col].width = 20


def build_pack(year: FinancialYear):
    """The workbook: the budget tables' sheets and checks exactly as the budget-tables export writes them, then
    "Decisions" and "Figures"."""
    workbook = build_workbook(build_report(year))
    write_decisions(workbook.create_sheet(title="Decisions"), year, decisions_by_date(year))
    write_figures(workbook.create_sheet(title="Figures"), annual_figures(year))
    workbook.properties.title = f"Annual report pack {year}"
    return workbook


def write_annual_report_pack(year: FinancialYear, destination) -> None:
    save_reproducibly(build_pack(year), destination, at=stamp_for(year))
