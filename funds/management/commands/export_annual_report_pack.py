from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from funds.exports.annual_report_pack import write_annual_report_pack
from funds.selectors import year_from_label


class Command(BaseCommand):
    help = "Write the annual report pack (budget tables, decisions, figures) for a financial year to an Excel workbook."

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
        write_annual_report_pack(financial_year, path)
        self.stdout.write(self.style.SUCCESS(f"Wrote the {financial_year} annual report pack to {path}"))
