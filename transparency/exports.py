"""360Giving files: the JSON data package, and the same grants as an XLSX workbook or a CSV file with the standard's
column titles. Builders are pure functions of a Selection; the staff page asks for them through the exports app
(a Celery task) and `manage.py export_360giving` calls them directly."""

import csv
import datetime
import io
import json
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from exports.cells import text_cell
from exports.registry import register
from funds.selectors import current_office

from . import giving360
from .giving360.columns import AMOUNT, COLUMNS, DATE, TITLES, flatten, unflatten

GIVING360 = "transparency.360giving"
FORMATS = {"json": "JSON data package", "xlsx": "Excel workbook (.xlsx)", "csv": "CSV file (.csv)"}
SHEET = "grants"  # the sheet name 360Giving's own templates use


def _json_number(value):
    """Decimals as JSON numbers. json has no exact decimal output, so an amount goes out as an int (whole pounds) or
    a float whose shortest text is exactly the amount, which holds for every 12-digit, 2-place amount we store."""
    if isinstance(value, Decimal):
        number = int(value) if value == value.to_integral_value() else float(value)
        if Decimal(repr(number)) != value:
            raise ValueError(f"{value} cannot be written exactly as a JSON number")
        return number
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_json(data: dict) -> bytes:
    return json.dumps(data, default=_json_number, ensure_ascii=False, indent=2).encode("utf-8")


def write_xlsx(items: list[dict]) -> bytes:
    """Write-only, so memory stays flat however many grants there are. Every piece of text is forced to text: a
    project title like "=HYPERLINK(...)" must not become a formula in the reader's Excel."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    bold = Font(bold=True)
    sheet.append([text_cell(sheet, title, font=bold) for title in TITLES])
    for item in items:
        row = []
        for column, value in zip(COLUMNS, flatten(item), strict=False):
            if value is None:
                row.append(None)
            elif column.kind == AMOUNT:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "#,##0.00"
                row.append(cell)
            elif column.kind == DATE:
                cell = WriteOnlyCell(sheet, value=_date(value))
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            else:
                row.append(text_cell(sheet, value))
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def write_csv(items: list[dict]) -> bytes:
    """UTF-8 with a byte order mark: without it Excel reads the file as Windows-1252 and garbles names with accents or
    curly quotes, and GrantNav's own CSV downloads carry one too; 360Giving's tools (flatten-tool) skip it.
    A CSV cannot mark a cell as text, so formula-looking text is left as it is rather than altered in published data:
    the XLSX is the form for opening in Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TITLES)
    for item in items:
        writer.writerow(
            [
                "" if value is None else f"{value:.2f}" if column.kind == AMOUNT else value
                for column, value in zip(COLUMNS, flatten(item), strict=False)
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def read_xlsx(content: bytes) -> list[dict]:
    """Grants back from a workbook written by write_xlsx (or typed into the same columns)."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = workbook[SHEET].iter_rows(values_only=True)
    titles = next(rows)
    items = [
        unflatten({t: v for t, v in zip(titles, row, strict=False) if t is not None})
        for row in rows
        if any(row)
    ]
    workbook.close()
    return items


def read_csv(content: bytes) -> list[dict]:
    return [unflatten(row) for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))]


WRITERS = {"xlsx": write_xlsx, "csv": write_csv}


def build(selection: "giving360.Selection", fmt: str, *, office=None) -> tuple[str, bytes]:
    """(file name, bytes) of the selected grants in one of FORMATS. Raises GivingError when nothing can be published."""
    if fmt not in FORMATS:
        raise giving360.GivingError(f'"{fmt}" is not a 360Giving file format: choose json, xlsx or csv.')
    office = office or current_office()
    items = giving360.grants(selection, office)
    if fmt == "json":
        content = write_json(giving360.package(items, office=office, selection=selection))
    else:
        content = WRITERS[fmt](items)
    return f"360giving-{selection.slug()}.{fmt}", content


@register(GIVING360)
def giving360_file(params: dict) -> tuple[str, bytes]:
    return build(giving360.Selection.from_params(params), params["format"])
