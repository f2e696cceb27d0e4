"""Every return for a period as an Excel workbook: a sheet per template, one row per service, one column per measure.

Built by exports.tasks.build_export (a Celery task) in openpyxl's write-only mode from .values() rows, so a period
with hundreds of services streams rather than building every cell in memory.
"""

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from exports.cells import text_cell
from exports.registry import register

from .aggregation import combine, shown
from .models import Measure, MonitoringReturn, MonitoringTemplate, ReturnValue

RETURNS_FOR_PERIOD = "providers.returns_for_period"
FIXED_HEADINGS = ["Provider", "Service", "Status", "Late", "Submitted"]
COMBINED = "All services combined"


def _text(sheet, value, bold=False):
    # Written as text always: a provider's "=SUM(...)" note must never become a formula.
    return text_cell(sheet, value, font=Font(bold=True) if bold else None)


def _append_combined(sheet, measures: list[Measure], returns) -> None:
    """Below the services: each measure combined over the submitted and accepted returns by its kind's rule (a
    percentage recomputed or averaged, never summed), and a row saying how each figure was worked out."""
    counted = list(returns.filter(status__in=MonitoringReturn.IN).values_list("pk", flat=True))
    if not counted:
        return
    figures, hows = [], []
    for measure in measures:
        if measure.kind == Measure.Kind.TEXT:
            figures.append(None)
            hows.append(None)
            continue
        combined = combine(measure, counted)
        if combined.value is None:
            figures.append(None)
        elif measure.kind == Measure.Kind.YES_NO:
            figures.append(_text(sheet, shown(combined)))
        elif measure.kind == Measure.Kind.COUNT:
            figures.append(int(combined.value))
        else:
            figures.append(combined.value)
        hows.append(_text(sheet, combined.how))
    sheet.append([])
    sheet.append(
        [
            _text(sheet, COMBINED, bold=True),
            _text(sheet, "Submitted and accepted returns"),
            *[None] * 3,
            *figures,
        ]
    )
    sheet.append([_text(sheet, "How it was worked out", bold=True), *[None] * 4, *hows])


@register(RETURNS_FOR_PERIOD)
def returns_for_period(params: dict) -> tuple[str, bytes]:
    year_id, label = params["year_id"], params["period_label"]
    workbook = Workbook(write_only=True)
    templates = MonitoringTemplate.objects.filter(periods__year_id=year_id, periods__label=label).distinct()
    for template in templates:
        sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\']", "", template.name)[:31])
        measures = list(template.measures.order_by("order", "pk"))
        sheet.append([_text(sheet, h, bold=True) for h in FIXED_HEADINGS + [m.label for m in measures]])
        returns = MonitoringReturn.objects.filter(
            period__template=template, period__year_id=year_id, period__label=label
        )
        values = {}
        for return_id, measure_id, number, text in (
            ReturnValue.objects.filter(monitoring_return__in=returns)
            .values_list("monitoring_return_id", "measure_id", "number", "text")
            .iterator()
        ):
            values[(return_id, measure_id)] = (number, text)
        for row in (
            returns.order_by("service__provider__name", "service__name")
            .values("pk", "service__provider__name", "service__name", "status", "late", "submitted_at")
            .iterator()
        ):
            cells = [
                _text(sheet, row["service__provider__name"]),
                _text(sheet, row["service__name"]),
                _text(sheet, MonitoringReturn.Status(row["status"]).label),
                _text(sheet, "Late" if row["late"] else ""),
                _text(sheet, row["submitted_at"].date().isoformat() if row["submitted_at"] else ""),
            ]
            for measure in measures:
                number, text = values.get((row["pk"], measure.pk), (None, ""))
                if measure.kind == Measure.Kind.TEXT:
                    cells.append(_text(sheet, text))
                elif number is None:
                    cells.append(None)
                elif measure.kind == Measure.Kind.YES_NO:
                    cells.append(_text(sheet, "Yes" if number == 1 else "No"))
                else:
                    cells.append(int(number) if measure.kind == Measure.Kind.COUNT else number)
            sheet.append(cells)
        _append_combined(sheet, measures, returns)
    if not workbook.worksheets:
        sheet = workbook.create_sheet("Returns")
        sheet.append([_text(sheet, f"There are no returns for {label}.")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    filename = "monitoring-returns-" + re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower() + ".xlsx"
    return filename, buffer.getvalue()
