from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from funds.budget_import import MAX_BYTES, ImportFileError, describe, import_budget_lines, read_rows
from funds.selectors import year_from_label


class Command(BaseCommand):
    help = (
        "Import budget lines from a CSV or XLSX file (columns: stream, priority, line, area, amount, units; see "
        "funds/budget_import.py). All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2024/25")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change without saving anything"
        )

    def handle(self, *args, path, year, dry_run, **options):
        try:
            financial_year = year_from_label(year)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"There is no file at {path}")
        with file.open("rb") as handle:
            data = handle.read(
                MAX_BYTES + 1
            )  # one byte over is enough for read_rows to refuse a file too large
        try:
            rows = read_rows(data, file.name)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        result = import_budget_lines(rows, year=financial_year, dry_run=dry_run)
        for line in describe(result):
            self.stdout.write(line)
        if not result.ok:
            raise CommandError(f"{len(result.errors)} problems found; nothing was imported.")
        self.stdout.write(self.style.SUCCESS("Dry run: nothing was saved." if dry_run else "Imported."))
