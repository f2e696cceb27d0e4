"""A funder return as an Excel workbook: the return as the funder sees it, the trace of every figure, and the gaps.

Built from the return's own stored rows, so a signed-off return's workbook is the same whenever it is downloaded.
Figures are written as numbers; everything people typed (labels, names, references) goes through exports.cells.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from exports.cells import set_text
from exports.registry import register

from . import selectors
from .models import FunderReturn, FunderReturnFigure

WORKBOOK = "funder_returns.return"
POUNDS = '"£"#,##0.00'
WHOLE = "#,##0"
PERCENT = '0.0"%"'
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)


def sign_off_stamp(funder_return: FunderReturn) -> str:
    if funder_return.status == FunderReturn.Status.SIGNED_OFF:
        return (
            f"Signed off by {funder_return.signed_off_by.full_name or funder_return.signed_off_by.email}, "
            f"Chief Finance Officer, on {funder_return.signed_off_at:%-d %B %Y}"
        )
    return f"Not signed off: {funder_return.get_status_display().lower()}"


def _put(sheet, row: int, column: int, value, *, font=None, number_format=None):
    cell = sheet.cell(row=row, column=column)
    if value is None or isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value
    if font is not None:
        cell.font = font
    if number_format:
        cell.number_format = number_format
    return cell


def _format(figure: FunderReturnFigure) -> str:
    return {
        FunderReturnFigure.Kind.MONEY: POUNDS,
        FunderReturnFigure.Kind.PERCENTAGE: PERCENT,
        FunderReturnFigure.Kind.COUNT: WHOLE,
    }.get(FunderReturnFigure.Kind(figure.kind), "General")


def _write_return(sheet, funder_return: FunderReturn, figures) -> None:
    _put(sheet, 1, 1, funder_return.template.name, font=TITLE)
    facts = [
        ("Funder", funder_return.template.funder),
        (
            "Period",
            f"{funder_return.period_label} ({funder_return.starts_on:%-d %B %Y} to "
            f"{funder_return.ends_on:%-d %B %Y})",
        ),
        ("Prepared by", _person(funder_return.prepared_by)),
        ("Sign-off", sign_off_stamp(funder_return)),
    ]
    for row, (label, value) in enumerate(facts, start=2):
        _put(sheet, row, 1, label, font=BOLD)
        _put(sheet, row, 2, value)
    row = len(facts) + 3
    for column, heading in enumerate(["Question", "Figure", "How it was worked out"], start=1):
        _put(sheet, row, column, heading, font=BOLD)
    heading = None
    for figure in figures:
        if figure.section_heading != heading:
            heading = figure.section_heading
            row += 1
            _put(sheet, row, 1, heading, font=BOLD)
        row += 1
        _put(sheet, row, 1, figure.label)
        _put(sheet, row, 2, figure.value, number_format=_format(figure))
        _put(sheet, row, 3, figure.how).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 100


def _write_trace(sheet, figures) -> None:
    headings = ["Section", "Question", "Source", "Provider return", "Payment", "Service", "What", "Amount"]
    for column, heading in enumerate(headings, start=1):
        _put(sheet, 1, column, heading, font=BOLD)
    row = 1
    for figure in figures:
        for source in figure.sources.all():
            row += 1
            cells = [
                figure.section_heading,
                figure.label,
                source.get_kind_display(),
                source.monitoring_return_id,
                source.payment_id,
                source.service_id,
                source.description,
            ]
            for column, value in enumerate(cells, start=1):
                _put(sheet, row, column, value)
            _put(sheet, row, 8, source.amount, number_format=_format(figure))
    sheet.column_dimensions["B"].width = 50
    sheet.column_dimensions["G"].width = 80
    sheet.freeze_panes = "A2"


def _write_gaps(sheet, funder_return: FunderReturn) -> None:
    for column, heading in enumerate(["Provider", "Service", "Period", "Its return"], start=1):
        _put(sheet, 1, column, heading, font=BOLD)
    gaps = list(funder_return.gaps.all())
    for row, gap in enumerate(gaps, start=2):
        for column, value in enumerate(
            [gap.provider_name, gap.service_name, gap.period_label, gap.state], start=1
        ):
            _put(sheet, row, column, value)
    if not gaps:
        _put(sheet, 2, 1, "Every funded service's return for the period was accepted.")
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 50


def _person(user) -> str:
    return "" if user is None else (user.full_name or user.email)


@register(WORKBOOK)
def return_workbook(params: dict) -> tuple[str, bytes]:
    funder_return = selectors.funder_returns().get(pk=params["return_id"])
    figures = list(selectors.figures_with_trace(funder_return))
    book = Workbook()
    sheet = book.active
    sheet.title = "Return"
    _write_return(sheet, funder_return, figures)
    _write_trace(book.create_sheet("Trace"), figures)
    _write_gaps(book.create_sheet("Gaps"), funder_return)
    out = io.BytesIO()
    book.save(out)
    name = f"{funder_return.template.name} {funder_return.period_label}".replace("/", "-")
    safe = "".join(c if c.isalnum() or c in " -_" else "" for c in name).strip().replace(" ", "-")
    return f"{safe.lower()}.xlsx", out.getvalue()
