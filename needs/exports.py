"""The needs-based allocation as an Excel workbook: the result beside today's figures, then how it was worked out.

Figures are written as numbers, not formulas, so a reader that does not recalculate sees the same totals a person does.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from exports.cells import set_text
from exports.registry import register

from . import allocation, services
from .models import NeedsAssessment

ALLOCATION = "needs.allocation"
WHOLE_POUNDS = '"£"#,##0'
BOLD = Font(bold=True)


def _write_allocation(sheet, assessment: NeedsAssessment, result: services.Result) -> None:
    headings = ["Area", "ONS code"]
    for indicator in result.indicators:
        headings += [indicator.name, f"{indicator.name} weight"]
    headings += ["Share %", "Allocation £", "Current £", "Difference £"]
    set_text(
        sheet.cell(row=1, column=1),
        f"{assessment.name}: {assessment.target_year}"
        + (" (illustrative figures)" if assessment.illustrative else ""),
    )
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    for col, heading in enumerate(headings, start=1):
        set_text(sheet.cell(row=2, column=col), heading)
        sheet.cell(row=2, column=col).font = BOLD
    money_from = len(headings) - 2  # Allocation, Current and Difference columns
    for r, row in enumerate(result.rows, start=3):
        cells = [row.area.name, row.area.ons_code]
        for indicator, value in zip(result.indicators, row.values, strict=False):
            cells += [value, indicator.weight]
        cells += [row.share_percent, row.allocation, row.current, row.difference]
        for col, value in enumerate(cells, start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            if col >= money_from:
                cell.number_format = WHOLE_POUNDS
        sheet.cell(row=r, column=money_from - 1).number_format = "0.00"
    total = 3 + len(result.rows)
    set_text(sheet.cell(row=total, column=1), "Total")
    for col, value in (
        (money_from, result.total),
        (money_from + 1, result.current_total),
        (money_from + 2, result.difference_total),
    ):
        sheet.cell(row=total, column=col, value=value).number_format = WHOLE_POUNDS
    for col in range(1, len(headings) + 1):
        sheet.cell(row=total, column=col).font = BOLD
    sheet.column_dimensions["A"].width = 24
    sheet.freeze_panes = "B3"


def _write_method(sheet, assessment: NeedsAssessment, result: services.Result) -> None:
    set_text(sheet.cell(row=1, column=1), "How the allocation was worked out")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    paragraphs = [services.method_summary(assessment, result)]
    paragraphs += [p.strip().replace("\n   ", " ") for p in allocation.__doc__.split("\n\n")[1:]]
    if assessment.illustrative:
        paragraphs.append("The figures in this workbook are illustrative: they were invented for the demo.")
    for r, text in enumerate(paragraphs, start=3):
        set_text(sheet.cell(row=r, column=1), text)
        sheet.cell(row=r, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 120


@register(ALLOCATION)
def allocation_workbook(params: dict) -> tuple[str, bytes]:
    assessment = _assessment(params["assessment_id"])
    result = services.run(assessment)
    workbook = Workbook()
    _write_allocation(workbook.active, assessment, result)
    workbook.active.title = "Allocation"
    _write_method(workbook.create_sheet("Method"), assessment, result)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return f"needs-allocation-{assessment.pk}.xlsx", buffer.getvalue()


def _assessment(pk: int) -> NeedsAssessment:
    return NeedsAssessment.objects.select_related(
        "pot_line__budget__stream", "pot_line__budget__year", "target_year"
    ).get(pk=pk)
