"""Budget lines from a spreadsheet: CSV (or tab-separated text) or XLSX with columns stream, priority, line, area,
amount and units. Only stream and amount are required, with a line or an area for each row.

Every row is checked before anything is written; one bad row means nothing is written and every problem is listed
with its spreadsheet row number and the value as typed. The command and the admin page both read files here.

What finance officers actually send, and what happens to it:
- any line ending (Excel for Mac writes CR only), UTF-8 with or without a BOM, UTF-16 ("Unicode text", tab-separated)
  or Windows-1252 ("CSV" from Windows Excel, where £ is one byte);
- a "Total", "Subtotal" or "Grand total" row is checked against the lines above it and never becomes a line;
- amounts in £000 or £m, only when the amount column's heading or a units column says so;
- a file that is not what its name says, a zip bomb, an XML entity trick or too many rows: a refusal with a reason.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import filetype
from django.db import transaction
from django.db.models import Q

from core import uploads
from core.money import AmountError, format_pounds, parse_pounds

from . import selectors, services
from .models import Area, Budget, BudgetLine, BudgetSection, FinancialYear, FundingStream, StreamName

COLUMNS = ("stream", "priority", "line", "area", "amount", "units")
REQUIRED = ("stream", "amount")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
# Columns past these are never read: a sheet whose dimension claims 16,384 columns costs no more than a narrow one.
MAX_COLUMNS = 50
# Excel's own limit; a sheet that claims more rows is not from Excel, and reading stops there.
MAX_SHEET_ROWS = 1_048_576
# Past this many rows the refusal says "more than": counting a few hundred thousand rows of XML would take minutes.
MAX_ROWS_COUNTED = 10 * MAX_ROWS
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

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        counts = {a: sum(1 for c in self.changes if c.action == a) for a in ("create", "update", "unchanged")}
        return f"{counts['create']} to add, {counts['update']} to change, {counts['unchanged']} unchanged"


# --- reading the file --------------------------------------------------------------------------------------------


def read_rows(data: bytes, filename: str) -> Rows:
    """The file's line rows and total rows, or ImportFileError saying why the file cannot be read."""
    shown = uploads.display_name(filename)
    name = shown.lower()
    if not data:
        raise ImportFileError(f"{shown} is empty.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"{shown} must be smaller than 5MB.")
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
            too_big=f"{shown} expands to far more than a workbook of {MAX_ROWS:,} budget lines. Save it again from "
            "Excel with only the budget lines in it.",
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
        if count > MAX_ROWS_COUNTED:
            break
        if count > MAX_ROWS:
            continue  # keep counting, so the refusal can say how many rows there are
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
        many = f"more than {MAX_ROWS_COUNTED:,}" if count > MAX_ROWS_COUNTED else f"{count:,}"
        raise ImportFileError(
            f"The file has {many} rows; the most it can have is {MAX_ROWS:,}. Split it into "
            "smaller files and import each one."
        )
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


def plan_import(rows: list[tuple[int, dict]], year: FinancialYear) -> ImportResult:
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
    for number, row in rows:
        stream_name = _text(row.get("stream"))
        section, name, area_name = _text(row.get("priority")), _text(row.get("line")), _text(row.get("area"))
        problems = []
        amount, problem = _amount(row, heading_unit, amount_heading)
        amounts.append(amount)
        if problem:
            problems.append(problem)
        stream = _find_stream(stream_name) if stream_name else None
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
) -> ImportResult:
    if not rows:
        return ImportResult(errors=["The file has no rows of budget lines under its header."])
    if selectors.year_is_closed(year.pk):
        # Said before any row is read; save_line refuses each line of a closed year as well, under lock.
        return ImportResult(errors=[str(services.YearClosed(year))])
    result = plan_import(rows, year)
    if result.errors or dry_run:
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


def describe(result: ImportResult) -> list[str]:
    if result.errors:
        problems = "this problem" if len(result.errors) == 1 else f"these {len(result.errors)} problems"
        return [f"Nothing was imported. Fix {problems} and try again:", *result.errors]
    lines = [c.describe() for c in result.changes if c.action != "unchanged"]
    total = sum((c.after for c in result.changes), Decimal("0"))
    return [*result.notes, *lines, f"{result.summary()}; rows total {format_pounds(total)}"]
