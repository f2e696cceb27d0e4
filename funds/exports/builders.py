"""Export builders this app offers through the exports app."""

import io

from exports.registry import register
from funds.models import FinancialYear

from .budget_tables import write_budget_tables

BUDGET_TABLES = "funds.budget_tables"


@register(BUDGET_TABLES)
def budget_tables(params: dict) -> tuple[str, bytes]:
    year = FinancialYear.objects.get(pk=params["year_id"])
    buffer = io.BytesIO()
    write_budget_tables(year, buffer)
    return f"budget-tables-{year.label(FinancialYear.LabelStyle.LONG)}.xlsx", buffer.getvalue()
