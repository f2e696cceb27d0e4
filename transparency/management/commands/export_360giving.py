import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transparency import giving360
from transparency.exports import FORMATS, build


class Command(BaseCommand):
    help = "Write a financial year's approved grants as 360Giving data: a JSON data package, an XLSX workbook or a CSV."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2024/25")
        parser.add_argument("--stream", help="Only this funding stream's grants (its slug)")
        parser.add_argument("--round", help="Only this round's grants (its slug)")
        parser.add_argument("--output", required=True, help="Path of the file to write: .json, .xlsx or .csv")
        parser.add_argument(
            "--format", choices=sorted(FORMATS), help="Overrides the format the file name implies"
        )

    def handle(self, *args, year, stream, round, output, format, **options):
        path = Path(output)
        fmt = format or path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(
                f'Cannot tell the format from "{path.name}": end the file name in .json, .xlsx or .csv, or give --format.'
            )
        started = time.perf_counter()
        try:
            selection = giving360.Selection.from_labels(year, stream=stream, round=round)
            _, content = build(selection, fmt)
        except giving360.GivingError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        path.write_bytes(content)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {selection.awards().count()} grants for {selection.describe()} to {path} "
                f"({len(content):,} bytes, built in {elapsed:.2f}s)"
            )
        )
