"""The columns a payment run file may have, as Office.payment_run_columns names them: key -> heading.

The office picks and orders them in admin (OfficeAdmin checks the keys against this list); reports.payment_run builds
the file. They live here, beside the setting, because funds cannot import reports."""

COLUMNS: dict[str, str] = {
    "payment_date": "Payment date",
    "amount": "Amount",
    "payee": "Payee",
    "supplier_reference": "Supplier reference",
    "cost_centre": "Cost centre",
    "nominal_code": "Nominal code",
    "payment_reference": "Payment reference",
    "commitment_reference": "Commitment reference",
    "stream": "Funding stream",
    "budget_line": "Budget line",
    "financial_year": "Financial year",
    "kind": "Kind",
}
# Every column, in this order, when the office has chosen none.
STANDARD = tuple(COLUMNS)


def unknown_columns(keys) -> list:
    return [key for key in keys if key not in COLUMNS]
