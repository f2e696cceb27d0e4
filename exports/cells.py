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
