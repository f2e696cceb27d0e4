from reports.exports.annual_report_pack import write_annual_report_pack

from ._year_workbook import YearWorkbookCommand


class Command(YearWorkbookCommand):
    help = "Write the annual report pack (budget tables, decisions, figures) for a financial year to an Excel workbook."

    def write(self, year, path):
        write_annual_report_pack(year, path)
        self.stdout.write(self.style.SUCCESS(f"Wrote the {year} annual report pack to {path}"))
