"""A table as the annual report prints it: a title, its column headings and rows of cells, each cell a value and the
way it is printed.

Every table of the report's grants section (the precept table, the budget tables, the tables made from monitoring
data) is turned into this shape once; the workbook, the Word document and the staff page all draw from it, so the
three cannot disagree. `PrintedTable.as_text()` is what a reader sees, cell by cell, and is what tests compare
between the document and the workbook.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from core.money import format_pounds


class Format(StrEnum):
    TEXT = "text"
    POUNDS = "pounds"  # "£1,234", or "£1,234.50" when there are pence: as the 2024/25 report prints money
    PENCE = "pence"  # "£1,234.50" always
    PLAIN_PENCE = "plain_pence"  # "135.03": a column headed "£: p" prints no pound sign
    THOUSANDS = "thousands"  # "3,863": a column headed "£000's"; the value is already in thousands
    MILLIONS = "millions"  # "3.40": a column headed "£m"; the value is already in millions
    COUNT = "count"  # "1,234"
    PERCENT = "percent"  # "68.4%"


# How each format is written in a spreadsheet cell, so a number stays a number there and reads as printed.
EXCEL_FORMATS = {
    Format.TEXT: "General",
    Format.POUNDS: '"£"#,##0',
    Format.PENCE: '"£"#,##0.00',
    Format.PLAIN_PENCE: "0.00",
    Format.THOUSANDS: "#,##0",
    Format.MILLIONS: "#,##0.00",
    Format.COUNT: "#,##0",
    Format.PERCENT: '0.0"%"',
}


class Style(StrEnum):
    ITEM = "item"
    HEADING = "heading"  # a bold row that names the rows under it, with no figures
    SUBTOTAL = "subtotal"
    TOTAL = "total"


@dataclass(frozen=True)
class Cell:
    value: Decimal | int | str | None = None
    format: Format = Format.TEXT

    @property
    def text(self) -> str:
        value = self.value
        if value is None:
            return ""
        if self.format == Format.TEXT or isinstance(value, str):
            return str(value)
        number = Decimal(value)
        match self.format:
            case Format.POUNDS:
                return format_pounds(number)
            case Format.PENCE:
                return format_pounds(number, pence=True)
            case Format.PLAIN_PENCE | Format.MILLIONS:
                return f"{number:,.2f}"
            case Format.THOUSANDS | Format.COUNT:
                return f"{number:,.0f}"
            case Format.PERCENT:
                return f"{number:,.1f}%"
        raise ValueError(
            f"No way to print {self.format!r}"
        )  # pragma: no cover - every Format is matched above

    @property
    def is_number(self) -> bool:
        return self.value is not None and not isinstance(self.value, str) and self.format != Format.TEXT

    @property
    def excel_format(self) -> str:
        return EXCEL_FORMATS[self.format]


@dataclass
class PrintedRow:
    cells: list[Cell]
    style: Style = Style.ITEM

    @property
    def label(self) -> str:
        return self.cells[0].text if self.cells else ""


@dataclass
class PrintedTable:
    """`key` names the table for links and tests ("precept", "budget-4", "data-12"); `title` is as printed,
    "Table 3. Police precept cost" when the table is numbered. `intro` is the sentence printed before it (the
    top-up sentence before the Victims Fund table), `notes` what is printed under it (a rounding note)."""

    key: str
    number: int | None
    title: str
    headings: list[str]
    rows: list[PrintedRow] = field(default_factory=list)
    intro: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def total_label(self) -> str | None:
        return next((r.label for r in self.rows if r.style == Style.TOTAL), None)

    def as_text(self) -> list[list[str]]:
        """The headings, then every row, as the reader sees each cell."""
        return [list(self.headings), *([c.text for c in row.cells] for row in self.rows)]


def money_cell(amount: Decimal | None, *, pence: bool) -> Cell:
    return Cell(amount, Format.PENCE if pence else Format.POUNDS)


def from_budget_table(table) -> PrintedTable:
    """One of Tables 4 to 8 (reports.report_tables.Table) in the printed shape. A table with any pence prints every
    amount with pence, as the workbook always has."""
    rows = []
    for row in table.rows:
        cells = [Cell(row.label), money_cell(row.amount, pence=table.has_pence)]
        if table.show_projects:
            cells.append(Cell(row.projects, Format.COUNT))
        rows.append(PrintedRow(cells, Style(row.style)))
    return PrintedTable(
        key=f"budget-{table.number}",
        number=table.number,
        title=table.title,
        headings=list(table.headings),
        rows=rows,
    )


def repeated_total_labels(tables: Iterable[PrintedTable]) -> list[str]:
    """A problem for every total label two or more of the year's tables print. Each table takes its total label from
    its own definition, so the same label twice means one was copied from the other: the 2024/25 report printed
    Table 7's "Total Victims Fund Budget" under Table 8's IDVA and ISVA figures."""
    by_label: dict[str, list[PrintedTable]] = {}
    for table in tables:
        if table.total_label:
            by_label.setdefault(table.total_label.strip().casefold(), []).append(table)
    problems = []
    for printing in by_label.values():
        if len(printing) > 1:
            names = " and ".join(f"“{table.title}”" for table in printing)
            problems.append(
                f"{names} print the same total label, “{printing[0].total_label}”: give each table its own total "
                "label in its definition, so a reader can tell the totals apart."
            )
    return problems
