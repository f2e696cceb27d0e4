"""Excel export of the staff applications list, built by a Celery task through the exports app."""

import io

from openpyxl import Workbook

from exports.cells import text_cell
from exports.registry import register

from .filters import StaffApplicationFilter
from .selectors import staff_applications

HEADINGS = [
    "Reference",
    "Organisation",
    "Round",
    "Area",
    "Status",
    "Requested (£)",
    "Recommended (£)",
    "Score (%)",
    "Submitted",
]


@register("applications.list")
def build_application_list(params: dict) -> tuple[str, bytes]:
    qs = StaffApplicationFilter(params, queryset=staff_applications()).qs.order_by("reference")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Applications")
    sheet.append(HEADINGS)
    labels = dict(qs.model._meta.get_field("status").choices)
    rows = qs.values_list(
        "reference",
        "organisation__name",
        "round__name",
        "area__name",
        "status",
        "amount_requested",
        "recommended_amount",
        "score",
        "submitted_at",
    )
    for ref, org, round_name, area, status, requested, recommended, score, submitted in rows.iterator():
        sheet.append(
            [
                ref,
                text_cell(sheet, org),
                round_name,
                area or "",
                labels[status],
                requested,
                recommended,
                round(score, 1) if score is not None else None,
                submitted.replace(tzinfo=None) if submitted else None,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return "applications.xlsx", buffer.getvalue()
