"""The annual report's budget tables, as data: rows with labels, amounts and project counts, and the checks that failed.
The precept table (Table 3 in 2024/25) comes first, in the printed shape (reports.printed), from funds.precept.

Both the Excel export and the staff page read these, so a figure is computed in one place only.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import format_pounds
from funds.models import BudgetLine, FinancialYear, ReportTable
from funds.precept import PreceptTable, precept_table
from funds.selectors import budgets_for_year, with_line_totals

from .printed import Cell, Format, PrintedRow, PrintedTable, from_budget_table, repeated_total_labels
from .report_figures import projects_by_line

# The precept table's headings that hold no year; its band and amount headings are the table definition's.
PROPORTION_HEADING = "Statutory Proportion"
CHANGE_HEADINGS = ["Change Annual £: p", "Change Weekly £: p"]


@dataclass
class Row:
    label: str
    amount: Decimal | None = None
    projects: int | None = None
    style: str = "item"  # "item", "heading", "subtotal" or "total"


@dataclass
class Table:
    number: int
    title: str
    sheet_name: str
    headings: list[str]
    rows: list[Row] = field(default_factory=list)
    show_projects: bool = False

    @property
    def total(self) -> Decimal:
        return next(r.amount for r in self.rows if r.style == "total")

    @property
    def has_pence(self) -> bool:
        return any(r.amount is not None and r.amount != r.amount.to_integral_value() for r in self.rows)


@dataclass
class Report:
    year: FinancialYear
    tables: list[Table]
    problems: list[str]
    # The precept table, printed before the budget tables; None when the year has no precept table to print.
    precept: PrintedTable | None = None


def _threshold_label(amount: Decimal) -> str:
    if amount >= 1000 and amount % 1000 == 0:
        return f"£{amount / 1000:,.0f}K"
    return format_pounds(amount)


def _project_count(line, projects: dict[int, int]) -> int | None:
    # The year's grants paid from a line are its projects (report_figures.projects_by_line, which the pack's projects
    # by area count too); until there are any, the recorded count stands.
    return projects.get(line.pk) or line.recorded_project_count


def _item_rows(table: ReportTable, lines: list, projects: dict[int, int]) -> list[Row]:
    threshold = table.rollup_below
    rolled = [
        ln for ln in lines if threshold and ln.kind == BudgetLine.Kind.PROJECT and ln.amount < threshold
    ]
    rows = [
        Row(ln.name, ln.amount, _project_count(ln, projects) if table.show_project_count else None)
        for ln in lines
        if ln not in rolled
    ]
    if rolled:
        named = [ln for ln in rolled if hasattr(ln, "rollup_name")]
        named.sort(key=lambda ln: ln.rollup_name.order)
        label = table.rollup_label.format(
            count=len(rolled), threshold=_threshold_label(threshold), named=", ".join(ln.name for ln in named)
        )
        if not named:
            label = label.split(", including")[0]
        rows.append(Row(label, sum((ln.amount for ln in rolled), Decimal("0"))))
    return rows


def _sum_projects(rows: list[Row]) -> int | None:
    counts = [r.projects for r in rows if r.projects is not None]
    return sum(counts) if counts else None


def _printed_precept(definition: ReportTable, table: PreceptTable) -> PrintedTable:
    """The precept table as the report prints it: every band's precept for the two years, then the change."""
    headings = [
        definition.label_heading,
        PROPORTION_HEADING,
        definition.amount_heading_for(table.previous_year),
        definition.amount_heading_for(table.year),
        *CHANGE_HEADINGS,
    ]
    rows = [
        PrintedRow(
            [
                Cell(row.band),
                Cell(row.proportion),
                *(
                    Cell(amount, Format.PLAIN_PENCE)
                    for amount in (row.previous, row.current, row.change_annual, row.change_weekly)
                ),
            ]
        )
        for row in table.rows
    ]
    return PrintedTable(
        key="precept",
        number=definition.number,
        title=f"Table {definition.number}. {definition.printed_title}",
        headings=headings,
        rows=rows,
    )


def _precept(year: FinancialYear, definition: ReportTable | None) -> tuple[PrintedTable | None, list[str]]:
    """The year's precept table and its problems, each named as the table's so a reader knows where to look."""
    if definition is None:
        return None, []
    name = f"Table {definition.number} ({definition.printed_title})"
    table = precept_table(year)
    if table is None:
        return None, [
            f"{name}: there is no Band D for {year}, so the table is left out. Enter the {year} precept."
        ]
    return _printed_precept(definition, table), [f"{name}: {problem}" for problem in table.problems]


def build_report(year: FinancialYear) -> Report:
    # Every table's definition in one query, the precept table's too: a year without one costs nothing more.
    definitions = list(
        ReportTable.objects.filter(year=year).select_related("stream", "year").order_by("number")
    )
    precept, precept_problems = _precept(
        year, next((d for d in definitions if d.kind == ReportTable.Kind.PRECEPT), None)
    )
    budgets = {b.stream_id: b for b in budgets_for_year(year)}
    lines_by_budget = defaultdict(list)
    lines = with_line_totals(
        BudgetLine.objects.filter(budget__year=year).select_related("section", "rollup_name", "area")
    ).order_by("budget_id", "section__order", "order", "pk")
    for line in lines:
        lines_by_budget[line.budget_id].append(line)
    projects = projects_by_line(year)

    tables, problems = [], list(precept_problems)
    for definition in (d for d in definitions if d.kind == ReportTable.Kind.BUDGET):
        budget = budgets.get(definition.stream_id)
        headings = [definition.label_heading, definition.printed_amount_heading]
        if definition.show_project_count:
            headings.append("Number Of Projects")
        table = Table(
            number=definition.number,
            title=f"Table {definition.number}. {definition.printed_title}",
            sheet_name=definition.stream.name.replace("/", " and ")[:31],
            headings=headings,
            show_projects=definition.show_project_count,
        )
        if budget is None:
            problems.append(
                f"{definition.stream} {year}: there is no budget, so Table {definition.number} is empty."
            )
            table.rows.append(Row(definition.total_label, Decimal("0"), style="total"))
            tables.append(table)
            continue
        budget_lines = lines_by_budget[budget.pk]
        unsectioned = [ln for ln in budget_lines if ln.section is None]
        all_items = _item_rows(definition, unsectioned, projects)
        table.rows.extend(all_items)
        sections = sorted({ln.section for ln in budget_lines if ln.section}, key=lambda s: (s.order, s.pk))
        for section in sections:
            items = _item_rows(
                definition, [ln for ln in budget_lines if ln.section_id == section.pk], projects
            )
            all_items.extend(items)
            table.rows.append(Row(section.heading, style="heading"))
            table.rows.extend(items)
            if section.subtotal_label:
                table.rows.append(
                    Row(
                        section.subtotal_label,
                        sum((r.amount for r in items), Decimal("0")),
                        _sum_projects(items),
                        "subtotal",
                    )
                )
        total = sum((r.amount for r in all_items), Decimal("0"))
        table.rows.append(Row(definition.total_label, total, _sum_projects(all_items), "total"))
        tables.append(table)

    for budget in budgets.values():
        if budget.overallocated:
            problems.append(
                f"{budget.stream} {year}: lines total {format_pounds(budget.allocated)}, which is "
                f"{format_pounds(budget.allocated - budget.pot)} more than the {format_pounds(budget.pot)} pot"
            )
    for line in lines:
        if line.committed > line.amount:
            problems.append(
                f"{line.name} ({year}): {format_pounds(line.committed)} is committed against an allocation of "
                f"{format_pounds(line.amount)}"
            )
    # A total label copied from another table (Table 8's "Total Victims Fund Budget", Table 7's) is named here.
    problems.extend(repeated_total_labels(from_budget_table(table) for table in tables))
    return Report(year=year, tables=tables, problems=problems, precept=precept)
