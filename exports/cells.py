"""Cells that hold what people typed. openpyxl writes any string starting with "=" as a formula, so a line name or a
provider's note like "=SUM(...)" would run in the reader's Excel; these keep it as text."""

from openpyxl.cell import WriteOnlyCell


def set_text(cell, value) -> None:
    cell.value = "" if value is None else str(value)
    cell.data_type = "s"


def text_cell(sheet, value, *, font=None) -> WriteOnlyCell:
    """The same for write-only sheets, which take cells rather than positions."""
    cell = WriteOnlyCell(sheet)
    set_text(cell, value)
    if font is not None:
        cell.font = font
    return cell


# A CSV cell starting with one of these is run as a formula when the file is opened in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value) -> str:
    """Text for a CSV cell: one that would start a formula gets a leading apostrophe, which spreadsheets read as
    "this is text". For what people typed; numbers (a negative amount) go into the file as they are."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
