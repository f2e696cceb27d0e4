"""The payment run file for the finance system: every payment made (funds.Payment) with a payment date in a period, one
row each, as CSV or XLSX. Corrections and repayments are rows of their own with negative amounts, so the file's total
is what left the office's account, net.

The office picks and orders the columns (Office.payment_run_columns, keys from funds.payment_run.COLUMNS; empty means
all of them). Built by exports.tasks.build_export (a Celery task); the staff page asks for it through
exports.services.request_export. Its queries do not grow with its rows: one for the payments with their line, stream
and commitment, and one per kind of payee (awards, services) for every payee at once.
"""

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from applications.models import Award
from exports.cells import csv_text, text_cell
from exports.registry import register
from funds import payment_run as columns
from funds.models import FinancialYear, Payment
from funds.selectors import current_office
from providers.models import Service

PAYMENT_RUN = "reports.payment_run"
FORMATS = {"csv": "CSV file (.csv)", "xlsx": "Excel workbook (.xlsx)"}
PENNY = Decimal("0.01")
POUNDS = '"£"#,##0.00;-"£"#,##0.00'
DATE = "dd/mm/yyyy"
FIELDS = (
    "paid_on",
    "amount",
    "kind",
    "reference",
    "commitment__reference",
    "commitment__content_type__app_label",
    "commitment__content_type__model",
    "commitment__object_id",
    "line__name",
    "line__cost_centre",
    "line__nominal_code",
    "line__budget__stream__name",
)


@dataclass(frozen=True)
class Payee:
    name: str
    supplier_reference: str


NO_PAYEE = Payee("", "")


def chosen_columns(office=None) -> list[str]:
    """The office's columns, in its order; the standard ones when it has chosen none. A key the admin form would now
    refuse (a column since renamed) is left out rather than failing the whole file."""
    office = office if office is not None else current_office()
    keys = list(office.payment_run_columns or []) if office is not None else []
    return [key for key in keys if key in columns.COLUMNS] or list(columns.STANDARD)


def payments_in(start: datetime.date, end: datetime.date) -> QuerySet[Payment]:
    return Payment.objects.filter(paid_on__gte=start, paid_on__lte=end).order_by("paid_on", "pk")


def payees(rows: list[dict]) -> dict[tuple[str, int], Payee]:
    """Who each commitment pays, for every row at once: (model, id) -> Payee, one query per kind of payee."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row["commitment__content_type__app_label"] and row["commitment__object_id"] is not None:
            key = f"{row['commitment__content_type__app_label']}.{row['commitment__content_type__model']}"
            wanted[key].add(row["commitment__object_id"])
    found: dict[tuple[str, int], Payee] = {}
    if ids := wanted.get("applications.award"):
        for pk, name, reference in (
            Award.objects.filter(pk__in=ids)
            .order_by()
            .values_list(
                "pk", "application__organisation__name", "application__organisation__supplier_reference"
            )
        ):
            found["applications.award", pk] = Payee(name, reference)
    if ids := wanted.get("providers.service"):
        for pk, name, reference in (
            Service.objects.filter(pk__in=ids)
            .order_by()
            .values_list("pk", "provider__name", "provider__supplier_reference")
        ):
            found["providers.service", pk] = Payee(name, reference)
    return found


def _payee(row: dict, known: dict) -> Payee:
    label = f"{row['commitment__content_type__app_label']}.{row['commitment__content_type__model']}"
    return known.get((label, row["commitment__object_id"]), NO_PAYEE)


def rows(start: datetime.date, end: datetime.date) -> list[dict]:
    """Each payment in the period as {column key: value}: dates as dates, amounts as Decimals to the penny."""
    found = list(payments_in(start, end).values(*FIELDS))
    known = payees(found)
    kinds = dict(Payment.Kind.choices)
    out = []
    for row in found:
        payee = _payee(row, known)
        out.append(
            {
                "payment_date": row["paid_on"],
                "amount": row["amount"].quantize(PENNY),
                "payee": payee.name,
                "supplier_reference": payee.supplier_reference,
                "cost_centre": row["line__cost_centre"],
                "nominal_code": row["line__nominal_code"],
                "payment_reference": row["reference"],
                "commitment_reference": row["commitment__reference"],
                "stream": row["line__budget__stream__name"],
                "budget_line": row["line__name"],
                "financial_year": FinancialYear(start_year=FinancialYear.containing(row["paid_on"])).label(),
                "kind": kinds[row["kind"]],
            }
        )
    return out


def write_csv(keys: list[str], data: list[dict]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte order mark (as the other CSV files), dates as 2025-03-31, amounts as -250.00.
    Text that would start a formula gets a leading apostrophe (exports.cells.csv_text); amounts never do."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([columns.COLUMNS[key] for key in keys])
    for row in data:
        writer.writerow([_csv_value(key, row[key]) for key in keys])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(key: str, value) -> str:
    if key == "amount":
        return f"{value:.2f}"
    if key == "payment_date":
        return value.isoformat()
    return csv_text(value)


def write_xlsx(keys: list[str], data: list[dict]) -> bytes:
    """Write-only, so memory stays flat. Amounts are number cells in pounds, dates date cells; all text is forced to
    text (exports.cells), so a payee named "=HYPERLINK(...)" is never a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Payment run")
    bold = Font(bold=True)
    sheet.append([text_cell(sheet, columns.COLUMNS[key], font=bold) for key in keys])
    for row in data:
        cells = []
        for key in keys:
            if key == "amount":
                cell = WriteOnlyCell(sheet, value=row[key])
                cell.number_format = POUNDS
            elif key == "payment_date":
                cell = WriteOnlyCell(sheet, value=row[key])
                cell.number_format = DATE
            else:
                cell = text_cell(sheet, row[key])
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def params(start: datetime.date, end: datetime.date, fmt: str) -> dict:
    return {"from": start.isoformat(), "to": end.isoformat(), "format": fmt}


@register(PAYMENT_RUN)
def payment_run(job_params: dict) -> tuple[str, bytes]:
    start = datetime.date.fromisoformat(job_params["from"])
    end = datetime.date.fromisoformat(job_params["to"])
    fmt = job_params["format"]
    if fmt not in FORMATS:
        raise ValueError(f'"{fmt}" is not a payment run format: choose csv or xlsx')
    keys, data = chosen_columns(), rows(start, end)
    content = write_xlsx(keys, data) if fmt == "xlsx" else write_csv(keys, data)
    return f"payment-run-{start.isoformat()}-to-{end.isoformat()}.{fmt}", content
