"""Budget lines from a spreadsheet: CSV (or tab-separated text) or XLSX with columns stream, priority, line, area,
amount and units. Only stream and amount are required, with a line or an area for each row.

Every row is checked before anything is written; one bad row means nothing is written and every problem is listed
with its spreadsheet row number and the value as typed. The command and the admin page both read files here.

The admin page never reads rows in the web request (issue 13): `check_limits` refuses a file over MAX_BYTES or MAX_ROWS
at upload, in a fraction of a second, saying by how much; otherwise `start_job` keeps the file and a BudgetImportJob,
and a worker (funds.tasks) checks it, showing progress, and imports it once the person has seen the changes and
confirmed them.

What finance officers actually send, and what happens to it:
- any line ending (Excel for Mac writes CR only), UTF-8 with or without a BOM, UTF-16 ("Unicode text", tab-separated)
  or Windows-1252 ("CSV" from Windows Excel, where £ is one byte);
- a "Total", "Subtotal" or "Grand total" row is checked against the lines above it and never becomes a line;
- amounts in £000 or £m, only when the amount column's heading or a units column says so;
- a file that is not what its name says, a zip bomb, an XML entity trick or too many rows: a refusal with a reason.
"""

import codecs
import csv
import datetime
import io
import itertools
import posixpath
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree

import filetype
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import uploads
from core.money import AmountError, format_pounds, parse_pounds

from . import selectors, services
from .models import (
    Area,
    Budget,
    BudgetImportJob,
    BudgetLine,
    BudgetSection,
    FinancialYear,
    FundingStream,
    StreamName,
)

COLUMNS = ("stream", "priority", "line", "area", "amount", "units")
REQUIRED = ("stream", "amount")
# The limits the import page states. An office's budget is a few hundred lines; 5,000 rows of them is about 250KB as
# CSV and 150KB as XLSX, so 2MB leaves room for wide rows and notes columns and refuses a file that is not a budget.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
# A refusal lists this many of a file's problems, then says how many more there are.
MAX_ERRORS_SHOWN = 50
# How long the upload page may spend counting an XLSX's rows before it leaves the count to the job (which stops at
# MAX_ROWS + 1 whatever the sheet claims).
COUNT_SECONDS = 0.4
# Columns past these are never read: a sheet whose dimension claims 16,384 columns costs no more than a narrow one.
MAX_COLUMNS = 50
# Excel's own limit; a sheet that claims more rows is not from Excel, and reading stops there.
MAX_SHEET_ROWS = 1_048_576
# A workbook of MAX_ROWS budget lines expands to about 2MB of XML. core.uploads refuses zip bombs for every
# upload; this lower bound, read from the zip's directory before anything expands, keeps an import's time short.
MAX_EXPANDED_BYTES = 25 * 1024 * 1024

ONE = Decimal(1)
# What a heading or a units cell may say, once spaces, quotes, brackets and the pound sign are taken out.
_UNITS = {
    "": ONE,
    "pounds": ONE,
    "gbp": ONE,
    "000": Decimal(1000),
    "000s": Decimal(1000),
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "thousands": Decimal(1000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "millions": Decimal(1_000_000),
}
UNITS_HINT = "Write the units as £, £000 or £m"
# "Total", "Sub-total", "Subtotal:", "Grand total", "Victims Fund total"; a word like "Totally" is not one.
_TOTAL = re.compile(
    r"^(?:(grand)\s*|(sub)[\s-]*)?totals?\b|\b(?:(grand)\s*|(sub)[\s-]*)?totals?:?$", re.IGNORECASE
)
SUBTOTAL, TOTAL, GRAND_TOTAL = 1, 2, 3
_LEVEL_NAMES = {SUBTOTAL: "subtotal", TOTAL: "total", GRAND_TOTAL: "grand total"}


class ImportFileError(ValueError):
    """The file itself cannot be read as a table of budget lines."""


@dataclass
class TotalRow:
    """A total or subtotal row: never a line, checked against the `lines_before` line rows above it."""

    number: int
    level: int
    row: dict
    lines_before: int

    @property
    def name(self) -> str:
        return _LEVEL_NAMES[self.level]


class Rows(list):
    """(spreadsheet row number, {column: raw value}) for each line row, and what was read around them: the total
    rows, and the amount column's heading (which may say the amounts are in £000 or £m)."""

    def __init__(self, rows=(), *, totals=(), amount_heading: str = "amount", amount_unit: Decimal = ONE):
        super().__init__(rows)
        self.totals: list[TotalRow] = list(totals)
        self.amount_heading, self.amount_unit = amount_heading, amount_unit


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    changes: list[services.LineChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False
    # The budget changed between the check and the import, so the changes are not the ones the person confirmed.
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        counts = {a: sum(1 for c in self.changes if c.action == a) for a in ("create", "update", "unchanged")}
        return f"{counts['create']} to add, {counts['update']} to change, {counts['unchanged']} unchanged"


# --- the limits, checked when the file is uploaded, before any row is read ----------------------------------------


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + "MB"


def too_big(shown: str, size: int) -> str:
    return (
        f"{shown} is {_mb(size)}, which is {_mb(size - MAX_BYTES)} more than the {_mb(MAX_BYTES)} limit. "
        "Save only the budget lines in it, or split it into smaller files and import each one."
    )


def too_many_rows(shown: str, rows: int | None, *, about: bool = False) -> str:
    if rows is None or rows <= MAX_ROWS:
        return (
            f"{shown} has more than {MAX_ROWS:,} rows of budget lines, the limit. Split it into smaller files and "
            "import each one."
        )
    approx = "about " if about else ""
    return (
        f"{shown} has {approx}{rows:,} rows of budget lines, which is {approx}{rows - MAX_ROWS:,} more than the "
        f"{MAX_ROWS:,} limit. Split it into smaller files and import each one."
    )


def check_limits(upload) -> int | None:
    """Refuse a file over the byte or row limit, saying which and by how much, within a fraction of a second and
    before any row is read. Returns how many rows of budget lines it has (the header row not counted), or None when
    that could not be counted quickly; the job's reader stops at MAX_ROWS + 1 either way.

    `upload` is a Django UploadedFile: its size is known before a byte of it is read."""
    shown = uploads.display_name(upload.name)
    if upload.size > MAX_BYTES:
        raise ImportFileError(too_big(shown, upload.size))
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data:
        raise ImportFileError(f"{shown} is empty.")
    name = shown.lower()
    if name.endswith(".xlsx"):
        return _xlsx_row_count(data, shown)
    if name.endswith((".csv", ".txt")):
        return _text_row_count(data, shown)
    raise ImportFileError("Choose a CSV (.csv) or Excel (.xlsx) file.")


def _text_row_count(data: bytes, shown: str) -> int | None:
    list(itertools.islice(_text_rows(data, shown), 1))  # refuses a file that is not text, saying what it is
    text = _decode(data, shown)
    # A line that holds more than separators, spaces and quotes. A quoted cell can hold a line ending, so this can
    # only count too many: when it is under the limit the file is; when over, the rows are counted properly below.
    lines = sum(1 for line in text.splitlines() if line.strip(' \t,;"\ufeff'))
    rows = max(lines - 1, 0)
    if rows <= MAX_ROWS:
        return rows
    counted, deadline = 0, time.monotonic() + COUNT_SECONDS
    for _number, values in _text_rows(data, shown):
        if not _blank_row(values):
            counted += 1
        if counted > MAX_ROWS + 1:
            raise ImportFileError(too_many_rows(shown, rows))
        if time.monotonic() > deadline:
            return None
    return max(counted - 1, 0)


# A worksheet's rows, and a cell value in one (<v>1</v>, or an inline string's <t>text</t>), with any namespace prefix.
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?[vt](?:\s[^>]*)?>\s*[^<\s]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=\"[A-Z]+\d+:[A-Z]+(\d+)\"")
_CHUNK = 64 * 1024


def _xlsx_row_count(data: bytes, shown: str) -> int | None:
    """The rows holding a value in the first sheet, header excluded, counted by scanning its XML (openpyxl takes a
    second for 5,000 rows); None if the sheet cannot be found this way or the count takes too long."""
    if not data.startswith(b"PK\x03\x04"):
        what = _what_it_is(data) or "a text file (a CSV?)"
        raise ImportFileError(
            f"{shown} is not an Excel workbook: it is {what}. Save it from Excel as an Excel "
            "workbook (.xlsx) or as CSV, and give it the matching name."
        )
    buffer = io.BytesIO(data)
    buffer.name = shown
    try:
        # Zip bombs and XML document types are refused by the zip's directory and a streamed scan, as read_rows does.
        uploads.check_office_file(
            buffer, mime=uploads.XLSX, max_expanded=MAX_EXPANDED_BYTES, too_big=_expands(shown)
        )
    except uploads.UploadError as exc:
        raise ImportFileError(str(exc)) from None
    try:
        with zipfile.ZipFile(buffer) as archive:
            path = _first_sheet(archive)
            if path is None:
                return None
            return _count_sheet_rows(archive, path, shown)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, ElementTree.ParseError):
        return None  # the job's reader says what is wrong with it


def _expands(shown: str) -> str:
    return (
        f"{shown} expands to far more than a workbook of {MAX_ROWS:,} budget lines. Save it again from "
        "Excel with only the budget lines in it."
    )


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    # Small parts, and check_office_file has refused any document type, so no entity can be expanded here.
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = book.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        if rel.get("Id") == sheet.get(f"{_REL}id"):
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def _count_sheet_rows(archive: zipfile.ZipFile, path: str, shown: str) -> int | None:
    deadline = time.monotonic() + COUNT_SECONDS
    counted, claimed, buffer = 0, None, b""
    with archive.open(path) as part:
        while True:
            chunk = part.read(_CHUNK)
            buffer += chunk
            if claimed is None and (found := _DIMENSION.search(buffer[:4096])):
                claimed = int(found.group(1))
            starts = [m.start() for m in _ROW_START.finditer(buffer)]
            ends = [*starts[1:], len(buffer)] if not chunk else starts[1:]
            for start, end in zip(starts, ends, strict=False):
                if _VALUE.search(buffer, start, end):
                    counted += 1
            if counted > MAX_ROWS + 1:  # the header row and one row over the limit
                rows = claimed - 1 if claimed and claimed - 1 > MAX_ROWS else None
                raise ImportFileError(too_many_rows(shown, rows, about=True))
            if not chunk:
                return max(counted - 1, 0)
            buffer = buffer[starts[-1] :] if starts else buffer[-64:]
            if time.monotonic() > deadline:
                return None


# --- reading the file --------------------------------------------------------------------------------------------


def read_rows(data: bytes, filename: str) -> Rows:
    """The file's line rows and total rows, or ImportFileError saying why the file cannot be read."""
    shown = uploads.display_name(filename)
    name = shown.lower()
    if not data:
        raise ImportFileError(f"{shown} is empty.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(too_big(shown, len(data)))
    if name.endswith(".xlsx"):
        return _table(_xlsx_rows(data, shown), shown)
    if name.endswith((".csv", ".txt")):
        return _table(_text_rows(data, shown), shown)
    raise ImportFileError("Choose a CSV (.csv) or Excel (.xlsx) file.")


def _what_it_is(data: bytes) -> str | None:
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return (
            "an Excel workbook or another zip file"
            if kind.extension in ("zip", "xlsx")
            else f"a {kind.extension.upper()} file"
        )
    if data.startswith(b"PK\x03\x04"):
        return "an Excel workbook or another zip file"
    return None


def _xlsx_rows(data: bytes, shown: str) -> Iterator[tuple[int, tuple]]:
    if not data.startswith(b"PK\x03\x04"):
        what = _what_it_is(data) or "a text file (a CSV?)"
        raise ImportFileError(
            f"{shown} is not an Excel workbook: it is {what}. Save it from Excel as an Excel "
            "workbook (.xlsx) or as CSV, and give it the matching name."
        )
    try:
        # Refuses zip bombs (by the sizes in the zip's directory, before anything is expanded, with a limit fitted to
        # 5,000 lines) and any XML document type (the way in for external entities) before openpyxl parses a byte.
        book = uploads.open_workbook(
            data,
            name=shown,
            max_expanded=MAX_EXPANDED_BYTES,
            too_big=_expands(shown),
        )
    except uploads.UploadError as exc:
        raise ImportFileError(str(exc)) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # ignore the size the sheet claims; read the rows it has
        gap = None
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > MAX_SHEET_ROWS:
                break
            if values is gap:
                continue  # openpyxl fills a gap between rows with one shared empty row; skip it without looking
            if values.count(None) == len(values):
                gap = values
            yield number, values
    except ImportFileError:
        raise
    except (
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        SyntaxError,
        OSError,
        EOFError,
        zipfile.BadZipFile,
    ) as exc:
        # SyntaxError covers the XML parsers' errors; ValueError covers defusedxml's refusals.
        raise ImportFileError(f"{shown} could not be read. Save it again from Excel and try again.") from exc
    finally:
        book.close()


def _decode(data: bytes, shown: str) -> str:
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        if len(data) >= 2 and data[0] and not data[1]:
            return data.decode(
                "utf-16-le"
            )  # UTF-16 without its mark: every ASCII letter is followed by a zero byte
        if len(data) >= 2 and not data[0] and data[1]:
            return data.decode("utf-16-be")
    except UnicodeDecodeError:
        pass  # not what its start suggested; try the encodings below, and refuse if none fits
    for encoding in ("utf-8", "cp1252"):  # cp1252: Windows Excel's "CSV", where £ is the single byte 0xA3
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        f'{shown} could not be read as text. Save it from Excel as "CSV UTF-8 (Comma delimited)" '
        "and try again."
    )


def _text_rows(data: bytes, shown: str) -> Iterator[tuple[int, list]]:
    what = _what_it_is(data)
    if what is not None:
        raise ImportFileError(
            f"{shown} is not a CSV file: it is {what}. Choose the CSV or Excel (.xlsx) file, "
            "and give it the matching name."
        )
    text = _decode(data, shown)
    if "\x00" in text:
        raise ImportFileError(
            f'{shown} is not a CSV file. Save it from Excel as "CSV UTF-8 (Comma delimited)" and try again.'
        )
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].split("\r", 1)[0]
    # Excel's "Unicode text" separates with tabs; Excel in much of Europe with semicolons.
    delimiter = max(",\t;", key=first_line.count)
    # newline="": every line ending (CR from Excel for Mac, CRLF, LF) ends a row, and one inside quotes is kept.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            yield number, values
    except csv.Error:
        raise ImportFileError(
            f"Row {number + 1} of {shown} could not be read: a cell is far too long, or a quote "
            "is not closed. Check its quotes and try again."
        ) from None


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""


def _blank_row(values) -> bool:
    # count() first: a sheet's gaps arrive as rows of None, possibly a million of them, and this keeps them cheap.
    return values.count(None) == len(values) or all(_blank(v) for v in values)


def _heading(value) -> str:
    return " ".join(str(value or "").replace("\ufeff", "").split()).lower()


def unit_of(text) -> Decimal | None:
    """How many pounds one unit of an amount is, from what a heading or a units cell says; None if not understood."""
    key = re.sub(r"[\s'’`()\[\]£]", "", str(text or "").lower())
    return _UNITS.get(key)


def _column_of(heading: str) -> str | None:
    if heading in COLUMNS:
        return heading
    if heading == "unit":
        return "units"
    if heading.startswith("amount") or ("£" in heading and unit_of(heading) is not None):
        return "amount"  # "amount", "amount (£000)", or a heading that is only a unit: "£000", "£m"
    return None


def _total_level(row: dict) -> int:
    for column in ("stream", "priority", "line", "area"):
        match = _TOTAL.search(_text(row.get(column)))
        if match:
            if match.group(1) or match.group(3):
                return GRAND_TOTAL
            return SUBTOTAL if match.group(2) or match.group(4) else TOTAL
    return 0


def _table(raw_rows: Iterator[tuple[int, list]], shown: str) -> Rows:
    header, index = None, {}
    rows: Rows = Rows()
    count = 0
    for number, values in raw_rows:
        if header is None:
            if _blank_row(values):
                continue
            header = [_heading(v) for v in values]
            index, amount_heading = _columns(header, shown)
            rows.amount_heading, rows.amount_unit = amount_heading, _heading_unit(amount_heading, shown)
            continue
        if _blank_row(values):
            continue
        count += 1
        if count > MAX_ROWS:
            break  # one row over is enough to refuse, whatever size the sheet claims
        values = list(values)
        row = {c: (values[i] if i < len(values) else None) for c, i in index.items()}
        row.update({c: None for c in COLUMNS if c not in index})
        if all(_blank(row[c]) for c in COLUMNS):
            continue  # something only in columns we do not read, such as notes
        level = _total_level(row)
        if level:
            rows.totals.append(TotalRow(number, level, row, lines_before=len(rows)))
        else:
            rows.append((number, row))
    if header is None:
        raise ImportFileError(f"{shown} is empty.")
    if count > MAX_ROWS:
        raise ImportFileError(too_many_rows(shown, None))
    return rows


def _columns(header: list[str], shown: str) -> tuple[dict[str, int], str]:
    index: dict[str, int] = {}
    amount_heading = "amount"
    for i, heading in enumerate(header):
        column = _column_of(heading)
        if column is None:
            continue
        if column in index:
            raise ImportFileError(f"{shown} has two {column} columns. Keep one and try again.")
        index[column] = i
        if column == "amount":
            amount_heading = heading
    missing = [c for c in REQUIRED if c not in index]
    if "line" not in index and "area" not in index:
        missing.append("line")
    if missing:
        raise ImportFileError(
            f"{shown} has no {' or '.join(missing)} column. The first row must name the columns: stream, amount, and "
            "line or area (priority and units are optional)."
        )
    return index, amount_heading


# Words in an amount column's heading that say its unit: one we do not know ("£bn") is refused rather than guessed.
_UNIT_WORDS = re.compile(r"£|\b(?:000s?|k|m|mn|bn|thousands?|millions?|billions?)\b")


def _heading_unit(heading: str, shown: str) -> Decimal:
    """The unit the amount column's heading gives ("amount (£000)", "£m"), or pounds if it names none."""
    rest = heading.removeprefix("amount")
    unit = unit_of(rest)
    if unit is not None:
        return unit
    if _UNIT_WORDS.search(rest):
        raise ImportFileError(
            f'{shown}: the amount column is headed "{heading}", which does not say a unit we know. '
            "Head it amount, amount (£000) or amount (£m)."
        )
    return ONE  # "amount 2024/25": a heading that says nothing about units means pounds


# --- checking and importing the rows -----------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _shown(value) -> str:
    return "" if value is None else str(value)


def _amount(row: dict, heading_unit: Decimal, amount_heading: str) -> tuple[Decimal | None, str]:
    """The row's amount in pounds, or a problem to report."""
    units = row.get("units")
    unit = heading_unit
    if not _blank(units):
        unit = unit_of(units)
        if unit is None:
            return None, f'units "{_shown(units)}": {UNITS_HINT}'
        if heading_unit != ONE and unit != heading_unit:
            return (
                None,
                f'units "{_shown(units)}" disagree with the amount column\'s heading "{amount_heading}"',
            )
    try:
        return parse_pounds(row["amount"], unit=unit), ""
    except AmountError as exc:
        return None, f'amount "{_shown(row["amount"])}": {exc}'


def _find_stream(name: str) -> FundingStream | None:
    stream = FundingStream.objects.filter(name__iexact=name).first()
    if stream is None:
        alias = StreamName.objects.filter(name__iexact=name).select_related("stream").first()
        stream = alias.stream if alias else None
    return stream


def _find_area(name: str, stream: FundingStream, year: FinancialYear) -> tuple[Area | None, str]:
    in_year = Area.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=year.ends_on),
        Q(valid_to__isnull=True) | Q(valid_to__gte=year.starts_on),
        name__iexact=name,
    )
    candidates = list(in_year.filter(kind=stream.area_kind)) if stream.area_kind else []
    candidates = candidates or list(in_year)
    if len(candidates) == 1:
        return candidates[0], ""
    if not candidates:
        return None, f'there is no area called "{name}" in {year}'
    return None, f'"{name}" matches more than one kind of area; set the stream\'s area kind in admin'


def plan_import(
    rows: list[tuple[int, dict]], year: FinancialYear, progress: Callable[[int], None] | None = None
) -> ImportResult:
    result = ImportResult()
    amount_heading, heading_unit = (
        getattr(rows, "amount_heading", "amount"),
        getattr(rows, "amount_unit", ONE),
    )
    if heading_unit != ONE:
        result.notes.append(
            f'The amount column is headed "{amount_heading}", so every amount was multiplied by '
            f"{heading_unit:,}."
        )
    seen: dict[tuple, int] = {}
    budgets: dict[int, Budget | None] = {}
    amounts: list[Decimal | None] = []
    streams: dict[str, FundingStream | None] = {}
    for done, (number, row) in enumerate(rows):
        if progress is not None:
            progress(done)
        stream_name = _text(row.get("stream"))
        section, name, area_name = _text(row.get("priority")), _text(row.get("line")), _text(row.get("area"))
        problems = []
        amount, problem = _amount(row, heading_unit, amount_heading)
        amounts.append(amount)
        if problem:
            problems.append(problem)
        if stream_name.lower() not in streams:
            streams[stream_name.lower()] = _find_stream(stream_name) if stream_name else None
        stream = streams[stream_name.lower()]
        if not stream_name:
            problems.append("stream is blank")
        elif stream is None:
            problems.append(f'there is no funding stream called "{stream_name}"')
        area = None
        if stream and area_name:
            area, problem = _find_area(area_name, stream, year)
            if problem:
                problems.append(problem)
        name = name or (area.name if area else "")
        if not name and not area_name:
            problems.append("line is blank: give the line a name or an area")
        budget = None
        if stream:
            if stream.pk not in budgets:
                budgets[stream.pk] = Budget.objects.filter(stream=stream, year=year).first()
            budget = budgets[stream.pk]
            if budget is None:
                problems.append(
                    f"there is no {year} budget for {stream.name} yet; set up its pot in admin first"
                )
        key = (stream.pk if stream else stream_name.lower(), section.lower(), name.lower())
        if name and key in seen:
            problems.append(f"the same line appears on row {seen[key]}")
        seen.setdefault(key, number)
        if problems:
            result.errors.extend(f"Row {number}: {p}" for p in problems)
            continue
        existing = BudgetLine.objects.filter(
            budget=budget,
            name__iexact=name,
            **({"section__heading__iexact": section} if section else {"section": None}),
        ).first()
        if existing is None:
            action, before = "create", None
        else:
            action, before = ("unchanged" if existing.amount == amount else "update"), existing.amount
        result.changes.append(
            services.LineChange(
                number, action, stream.name, section, name, area.name if area else "", before, amount
            )
        )
        result.changes[-1].plan = (budget, section, name, area, existing)  # type: ignore[attr-defined]
    _check_totals(getattr(rows, "totals", []), amounts, heading_unit, amount_heading, result)
    return result


def _check_totals(
    totals: list[TotalRow],
    amounts: list[Decimal | None],
    heading_unit: Decimal,
    amount_heading: str,
    result: ImportResult,
) -> None:
    """Each total row must equal the lines since the previous total of its level or above (a subtotal its block,
    a total its stream's lines), or every line above it (a grand total, or a total under subtotals)."""
    block_start = {SUBTOTAL: 0, TOTAL: 0, GRAND_TOTAL: 0}
    for total in totals:
        start = block_start[total.level]
        for level in range(1, total.level + 1):
            block_start[level] = total.lines_before
        if _blank(total.row.get("amount")):
            continue  # a label with no figure: nothing to check, and it is still not a line
        stated, problem = _amount(total.row, heading_unit, amount_heading)
        if problem:
            result.errors.append(f"Row {total.number}: {problem}")
            continue
        block, above = amounts[start : total.lines_before], amounts[: total.lines_before]
        if any(a is None for a in above):
            continue  # a line above could not be read; its own error says so
        block_sum, all_sum = sum(block, Decimal(0)), sum(above, Decimal(0))
        if stated in (block_sum, all_sum):
            result.notes.append(
                f"Row {total.number}: the {total.name} row matches the lines above it "
                f"({format_pounds(stated)})."
            )
        else:
            result.errors.append(
                f"Row {total.number}: the {total.name} row says {format_pounds(stated)} but the "
                f"lines add up to {format_pounds(block_sum)}"
            )


def import_budget_lines(
    rows: list[tuple[int, dict]],
    *,
    year: FinancialYear,
    dry_run: bool = False,
    by=None,
    reason: str = "Imported from a spreadsheet",
    progress: Callable[[int], None] | None = None,
    expected: list[str] | None = None,
) -> ImportResult:
    """Check every row, then write them all in one transaction or none. With `expected` (the changes a person saw and
    confirmed, as `change_lines` gives them), nothing is written unless the changes are still exactly those."""
    if not rows:
        return ImportResult(errors=["The file has no rows of budget lines under its header."])
    if selectors.year_is_closed(year.pk):
        # Said before any row is read; save_line refuses each line of a closed year as well, under lock.
        return ImportResult(errors=[str(services.YearClosed(year))])
    result = plan_import(rows, year, progress)
    if result.errors or dry_run:
        return result
    if expected is not None and change_lines(result) != expected:
        result.stale = True
        return result
    with transaction.atomic():
        for change in result.changes:
            budget, section_heading, name, area, existing = change.plan  # type: ignore[attr-defined]
            if change.action == "unchanged":
                continue
            section = None
            if section_heading:
                section, _ = BudgetSection.objects.get_or_create(
                    budget=budget, heading=section_heading, defaults={"order": budget.sections.count() + 1}
                )
            line = existing or BudgetLine(
                budget=budget,
                section=section,
                name=name,
                area=area,
                kind=_kind_for_new_line(name, area),
                order=budget.lines.count() + 1,
            )
            line.amount = change.after
            try:
                services.save_line(line=line, by=by, reason=reason)
            except services.BudgetRuleError as exc:
                result.errors.append(f"Row {change.row}: {exc}")
        if result.errors:
            transaction.set_rollback(True)
            return result
    result.written = True
    return result


def _kind_for_new_line(name: str, area: Area | None) -> str:
    if area is not None:
        return BudgetLine.Kind.AREA
    if "reserve" in name.lower():
        return BudgetLine.Kind.RESERVE
    return BudgetLine.Kind.PRIORITY


def change_lines(result: ImportResult) -> list[str]:
    return [c.describe() for c in result.changes if c.action != "unchanged"]


def totals_line(result: ImportResult) -> str:
    total = sum((c.after for c in result.changes), Decimal("0"))
    return f"{result.summary()}; rows total {format_pounds(total)}"


def shown_errors(errors: list[str], count: int | None = None) -> list[str]:
    """The first MAX_ERRORS_SHOWN problems, then how many more: a file of 100,000 bad rows lists 50, not 300,000."""
    count = len(errors) if count is None else count
    shown = errors[:MAX_ERRORS_SHOWN]
    return [*shown, f"and {count - len(shown):,} more"] if count > len(shown) else shown


def describe(result: ImportResult) -> list[str]:
    if result.errors:
        count = len(result.errors)
        problems = "this problem" if count == 1 else f"these {count:,} problems"
        return [f"Nothing was imported. Fix {problems} and try again:", *shown_errors(result.errors)]
    return [*result.notes, *change_lines(result), totals_line(result)]


# --- the import as a job: checked by a worker, confirmed by the person, imported by a worker ----------------------

# A check or an import that has not moved for this long has lost its worker: it may be taken again, or retried.
STALLED_AFTER = datetime.timedelta(minutes=2)
# How often a check writes its progress (rows done) to its job.
PROGRESS_SECONDS = 0.5


def start_job(*, upload, year: FinancialYear, by) -> BudgetImportJob:
    """Refuse the file now if it is over a limit or the year is closed (ImportFileError, services.YearClosed), in
    well under a second; otherwise keep it privately and record the job. The caller queues its check
    (funds.tasks.queue) once this is committed."""
    if selectors.year_is_closed(year.pk):
        raise services.YearClosed(year)
    rows = check_limits(upload)
    shown = uploads.display_name(upload.name)
    job = BudgetImportJob(
        year=year,
        filename=shown,
        rows_total=rows,
        requested_by=by,
        reason=f"Imported from {shown}"[:250],
    )
    job.file.save(uploads.generated_name(upload.name), upload, save=False)
    job.save()
    return job


def _claim(job_id: int, *, waiting: str, running: str) -> bool:
    """Move the job from `waiting` to `running`, or take over a run whose worker stopped; False if another has it."""
    now = timezone.now()
    return bool(
        BudgetImportJob.objects.filter(
            Q(status=waiting) | Q(status=running, updated_at__lt=now - STALLED_AFTER), pk=job_id
        ).update(status=running, rows_done=0, updated_at=now)
    )


def _read_job_file(job: BudgetImportJob) -> Rows:
    with job.file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    return read_rows(data, job.filename)


def _outcome(result: ImportResult) -> dict:
    return {
        "notes": result.notes,
        "changes": change_lines(result),
        "totals": totals_line(result) if result.changes else "",
        "errors": result.errors[:MAX_ERRORS_SHOWN],
        "error_count": len(result.errors),
    }


def _finish(job_id: int, status: str, outcome: dict, **fields) -> None:
    now = timezone.now()
    fields = {"finished_at": now, **fields}
    BudgetImportJob.objects.filter(pk=job_id).update(status=status, result=outcome, updated_at=now, **fields)


def check_job(job_id: int) -> None:
    """Read and check every row, writing nothing but the job: its progress as it goes, then the changes it would
    make or the problems that stop it. Does nothing if the job is not waiting to be checked."""
    Status = BudgetImportJob.Status
    if not _claim(job_id, waiting=Status.QUEUED, running=Status.CHECKING):
        return
    job = BudgetImportJob.objects.select_related("year").get(pk=job_id)
    try:
        rows = _read_job_file(job)
    except ImportFileError as exc:
        _finish(job_id, Status.REFUSED, {"errors": [str(exc)], "error_count": 1})
        return
    BudgetImportJob.objects.filter(pk=job_id).update(rows_total=len(rows), updated_at=timezone.now())
    last = [time.monotonic()]

    def progress(done: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_SECONDS:
            last[0] = time.monotonic()
            BudgetImportJob.objects.filter(pk=job_id).update(rows_done=done, updated_at=timezone.now())

    result = import_budget_lines(rows, year=job.year, dry_run=True, progress=progress)
    _finish(job_id, Status.REFUSED if result.errors else Status.READY, _outcome(result), rows_done=len(rows))


def confirm_job(job: BudgetImportJob, *, by) -> bool:
    """The person who checked the file asks for its changes to be made; False if it is not ready to import."""
    return bool(
        BudgetImportJob.objects.filter(
            pk=job.pk, requested_by=by, status=BudgetImportJob.Status.READY
        ).update(
            status=BudgetImportJob.Status.IMPORTING,
            confirmed_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )


@transaction.atomic
def import_job(job_id: int) -> None:
    """Make the confirmed changes in one transaction, through funds.services.save_line with the job's reason, as the
    person who confirmed them. The job row is locked and marked done in the same transaction, so a task sent twice
    imports once, and a worker that dies part way leaves nothing written and the job still waiting to import."""
    Status = BudgetImportJob.Status
    job = BudgetImportJob.objects.select_for_update().select_related("year", "requested_by").get(pk=job_id)
    if job.status != Status.IMPORTING:
        return
    try:
        rows = _read_job_file(job)
    except ImportFileError as exc:
        _finish(job_id, Status.REFUSED, {"errors": [str(exc)], "error_count": 1})
        return
    result = import_budget_lines(
        rows,
        year=job.year,
        by=job.requested_by,
        reason=job.reason,
        expected=job.result.get("changes", []),
    )
    if result.stale:
        # Someone changed the budget after the check: show what the file would do now and ask again.
        outcome = {**_outcome(result), "stale": True}
        _finish(job_id, Status.READY, outcome, confirmed_at=None, finished_at=None)
        return
    _finish(job_id, Status.DONE if result.written else Status.REFUSED, _outcome(result))


def fail_job(job_id: int, error: str) -> None:
    """Something unexpected stopped the job's worker (the error is logged): the page says so and offers to retry."""
    BudgetImportJob.objects.filter(
        pk=job_id, status__in=[BudgetImportJob.Status.CHECKING, BudgetImportJob.Status.IMPORTING]
    ).update(status=BudgetImportJob.Status.FAILED, error=error, updated_at=timezone.now())


def can_retry(job: BudgetImportJob) -> bool:
    """Failed, or waiting or running with nothing moving for a while (its message never reached a worker, or the
    worker died)."""
    Status = BudgetImportJob.Status
    if job.status == Status.FAILED:
        return True
    waiting = (Status.QUEUED, Status.CHECKING, Status.IMPORTING)
    return job.status in waiting and job.updated_at < timezone.now() - STALLED_AFTER


def retry_job(job: BudgetImportJob, *, by) -> bool:
    """Put a failed or stalled job back to wait for its step: the check, or the import if it was confirmed. The
    caller sends it again (funds.tasks.queue); both steps do nothing if it is already done."""
    if job.requested_by_id != by.pk or not can_retry(job):
        return False
    Status = BudgetImportJob.Status
    job.status = Status.IMPORTING if job.confirmed_at else Status.QUEUED
    job.error = ""
    job.rows_done = 0
    job.save(update_fields=["status", "error", "rows_done", "updated_at"])
    return True
