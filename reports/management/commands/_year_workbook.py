from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from funds.models import FinancialYear
from funds.selectors import year_from_label


class YearWorkbookCommand(BaseCommand):
    """A command that writes one financial year's workbook: `--year 2024/25 --output PATH.xlsx`."""

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
        self.write(financial_year, path)

    def write(self, year: FinancialYear, path: Path) -> None:
        raise NotImplementedError("Each command says how it writes its workbook")
