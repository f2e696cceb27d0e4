"""Budget lines from a spreadsheet: CSV or XLSX with columns stream, priority, line, area, amount.

Every row is checked before anything is written; one bad row means nothing is written and every problem is listed
with its spreadsheet row number and the value as typed.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from openpyxl import load_workbook

from . import services
from .models import Area, Budget, BudgetLine, BudgetSection, FinancialYear, FundingStream, StreamName
from .money import AmountError, format_pounds, parse_pounds

COLUMNS = ("stream", "priority", "line", "area", "amount")


class ImportFileError(ValueError):
    """The file itself cannot be read as a table of budget lines."""


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    changes: list[services.LineChange] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        counts = {a: sum(1 for c in self.changes if c.action == a) for a in ("create", "update", "unchanged")}
        return f"{counts['create']} to add, {counts['update']} to change, {counts['unchanged']} unchanged"


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """(spreadsheet row number, {column: raw value}) for each non-blank row after the header."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ImportFileError(f"{filename} is not a readable Excel (.xlsx) file.") from exc
        raw_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{filename} is not a UTF-8 CSV file. Save it as 'CSV UTF-8' and try again.") from exc
        raw_rows = list(csv.reader(io.StringIO(text)))
    else:
        raise ImportFileError("Choose a CSV (.csv) or Excel (.xlsx) file.")
    if not raw_rows:
        raise ImportFileError(f"{filename} is empty.")
    header = [str(h or "").strip().lower() for h in raw_rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"{filename} has no {', '.join(missing)} column. The first row must name the columns: {', '.join(COLUMNS)}."
        )
    index = {c: header.index(c) for c in COLUMNS}
    rows = []
    for number, values in enumerate(raw_rows[1:], start=2):
        values = list(values) + [None] * (len(header) - len(values))
        row = {c: values[i] for c, i in index.items()}
        if all(v is None or str(v).strip() == "" for v in row.values()):
            continue
        rows.append((number, row))
    return rows


def _text(value) -> str:
    return "" if value is None else str(value).strip()


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
    seen: dict[tuple, int] = {}
    budgets: dict[int, Budget | None] = {}
    for number, row in rows:
        raw_amount, stream_name = row["amount"], _text(row["stream"])
        section, name, area_name = _text(row["priority"]), _text(row["line"]), _text(row["area"])
        problems = []
        try:
            amount = parse_pounds(raw_amount)
        except AmountError as exc:
            shown = "" if raw_amount is None else str(raw_amount)
            problems.append(f'amount "{shown}": {exc}')
            amount = None
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
                problems.append(f"there is no {year} budget for {stream.name} yet; set up its pot in admin first")
        key = (stream.pk if stream else stream_name.lower(), section.lower(), name.lower())
        if name and key in seen:
            problems.append(f"the same line appears on row {seen[key]}")
        seen.setdefault(key, number)
        if problems:
            result.errors.extend(f"Row {number}: {p}" for p in problems)
            continue
        existing = BudgetLine.objects.filter(
            budget=budget, name__iexact=name, **({"section__heading__iexact": section} if section else {"section": None})
        ).first()
        if existing is None:
            action, before = "create", None
        else:
            action, before = ("unchanged" if existing.amount == amount else "update"), existing.amount
        result.changes.append(
            services.LineChange(number, action, stream.name, section, name, area.name if area else "", before, amount)
        )
        result.changes[-1].plan = (budget, section, name, area, existing)  # type: ignore[attr-defined]
    return result


def import_budget_lines(rows: list[tuple[int, dict]], *, year: FinancialYear, dry_run: bool = False, by=None) -> ImportResult:
    if not rows:
        return ImportResult(errors=["The file has no rows of budget lines under its header."])
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
                services.save_line(line=line, by=by)
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
        return [f"Nothing was imported. Fix these {len(result.errors)} problems and try again:", *result.errors]
    lines = [c.describe() for c in result.changes if c.action != "unchanged"]
    total = sum((c.after for c in result.changes), Decimal("0"))
    return [*lines, f"{result.summary()}; rows total {format_pounds(total)}"]
