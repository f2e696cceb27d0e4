from reports.exports.budget_tables import write_budget_tables

from ._year_workbook import YearWorkbookCommand


class Command(YearWorkbookCommand):
    help = "Write the annual report's budget tables for a financial year to an Excel workbook."

    def write(self, year, path):
        report = write_budget_tables(year, path)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(report.tables)} tables for {year} to {path}"))
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(f"Check: {problem}"))
