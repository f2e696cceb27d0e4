"""Export builders this app offers through the exports app."""

import io

from django.utils import timezone

from exports.registry import Progress, register
from funds.models import FinancialYear

from .annual_report_pack import write_annual_report_pack
from .audit_trail import audit_trail_csv
from .budget_tables import write_budget_tables
from .section6 import write_section6

# Kinds are stored on every ExportJob row, so they keep the names they had when these builders lived in funds.
BUDGET_TABLES = "funds.budget_tables"
ANNUAL_REPORT_PACK = "funds.annual_report_pack"
AUDIT_TRAIL = "reports.audit_trail"


@register(BUDGET_TABLES)
def budget_tables(params: dict) -> tuple[str, bytes]:
    year = FinancialYear.objects.get(pk=params["year_id"])
    buffer = io.BytesIO()
    write_budget_tables(year, buffer)
    return f"budget-tables-{year.label(FinancialYear.LabelStyle.LONG)}.xlsx", buffer.getvalue()


@register(ANNUAL_REPORT_PACK)
def annual_report_pack(params: dict) -> tuple[str, bytes]:
    year = FinancialYear.objects.get(pk=params["year_id"])
    buffer = io.BytesIO()
    write_annual_report_pack(year, buffer)
    return f"annual-report-pack-{year.label(FinancialYear.LabelStyle.LONG)}.xlsx", buffer.getvalue()


@register(AUDIT_TRAIL)
def audit_trail(params: dict) -> tuple[str, bytes]:
    return f"audit-trail-{timezone.localdate():%Y-%m-%d}.csv", audit_trail_csv(params)


SECTION6_DOCUMENT = "reports.section6_document"
SECTION6_WORKBOOK = "reports.section6_workbook"


@register(SECTION6_DOCUMENT, reports_progress=True)
def section6_document(params: dict, progress: Progress) -> tuple[str, bytes]:
    year = FinancialYear.objects.get(pk=params["year_id"])
    content = write_section6(year, as_document=True, progress=progress)
    return f"annual-report-section-6-{year.label(FinancialYear.LabelStyle.LONG)}.docx", content


@register(SECTION6_WORKBOOK, reports_progress=True)
def section6_workbook(params: dict, progress: Progress) -> tuple[str, bytes]:
    year = FinancialYear.objects.get(pk=params["year_id"])
    content = write_section6(year, as_document=False, progress=progress)
    return f"annual-report-section-6-{year.label(FinancialYear.LabelStyle.LONG)}.xlsx", content
