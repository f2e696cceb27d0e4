from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from funds.exports.budget_tables import write_budget_tables
from funds.selectors import year_from_label


class Command(BaseCommand):
    help = "Write the annual report's budget tables for a financial year to an Excel workbook."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2024/25")
        parser.add_argument("--output", required=True, help="Path of the .xlsx file to write")

    def handle(self, *args, year, output, **options):
        try:
            financial_year = year_from_label(year)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("The output file must end in .xlsx")
        report = write_budget_tables(financial_year, path)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(report.tables)} tables for {financial_year} to {path}"))
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(f"Check: {problem}"))
