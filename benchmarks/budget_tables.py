"""Benchmark: the annual report workbook and the staff dashboard as a year's data grows.

Run on PostgreSQL:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/pcc_grants_bench .venv/bin/python benchmarks/budget_tables.py
It creates its own database rows in a throwaway year (2090/91) and deletes them afterwards.
"""

import io
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc_grants.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from funds import demo  # noqa: E402
from funds.models import (  # noqa: E402
    Budget,
    BudgetEntry,
    BudgetLine,
    Commitment,
    FinancialYear,
    FundingStream,
    ReportTable,
)
from funds.selectors import budgets_for_year  # noqa: E402
from reports.exports.budget_tables import write_budget_tables  # noqa: E402


def build_year(lines_per_stream: int, commitments_per_line: int) -> FinancialYear:
    year, _ = FinancialYear.objects.get_or_create(start_year=2090)
    for number, stream in enumerate(FundingStream.objects.order_by("report_order"), start=4):
        budget = Budget.objects.create(stream=stream, year=year)
        BudgetEntry.objects.create(budget=budget, kind="allocation", amount=Decimal("10000000"))
        ReportTable.objects.create(
            year=year,
            stream=stream,
            number=number,
            title=f"{stream.name} {{year}}",
            label_heading="Line",
            amount_heading="{year}",
            total_label="Total",
        )
        lines = BudgetLine.objects.bulk_create(
            BudgetLine(budget=budget, kind="priority", name=f"Line {i}", amount=Decimal("1000.00"), order=i)
            for i in range(lines_per_stream)
        )
        Commitment.objects.bulk_create(
            Commitment(line=line, amount=Decimal("10.00"), reference=f"C{line.pk}-{j}")
            for line in lines
            for j in range(commitments_per_line)
        )
    return year


def timed(fn, repeat=5):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main():
    call_command("migrate", verbosity=0)
    demo.load()
    print(f"database: {connection.vendor}")
    print(
        "| lines per stream | commitments | workbook build (median of 5) | queries | dashboard query (median) |"
    )
    print("|---|---|---|---|---|")
    for lines, per_line in [(20, 5), (200, 5), (2000, 5)]:
        with transaction.atomic():
            year = build_year(lines, per_line)
            if connection.vendor == "postgresql":
                # Production tables are analysed by autovacuum; rows bulk-inserted a moment ago are not.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "ANALYZE funds_budgetline, funds_commitment, funds_payment, funds_budgetentry"
                    )
            with CaptureQueriesContext(connection) as queries:
                write_budget_tables(year, io.BytesIO())
            build = timed(lambda year=year: write_budget_tables(year, io.BytesIO()))
            dashboard = timed(lambda year=year: list(budgets_for_year(year)))
            print(
                f"| {lines} | {lines * per_line * 5:,} | {build * 1000:.0f} ms | {len(queries)} | "
                f"{dashboard * 1000:.1f} ms |"
            )
            transaction.set_rollback(True)


if __name__ == "__main__":
    main()
