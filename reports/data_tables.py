"""The tables the annual report prints from monitoring returns and the money ledger (reports.models.DataTable), in the
printed shape (reports.printed) the staff page, the Word document and the workbook all draw from.

Only accepted returns count. Figures from several returns are combined by providers.aggregation, by the measure's
kind, so a percentage is never summed: its total for the year is recomputed from its parts or averaged, as the measure
says. A breakdown's categories are counts (providers.Breakdown refuses any other measure), so they are summed.
"""

from collections import defaultdict
from decimal import Decimal
from functools import cached_property

from django.db.models import Prefetch, QuerySet, Sum

from funds.models import Budget, FinancialYear, Payment
from funds.selectors import budgets_for_year
from providers.aggregation import Combined, combine, combine_by_period
from providers.models import Measure, MonitoringReturn, ReturnBreakdownValue

from .models import DataTable, DataTableRow
from .printed import Cell, Format, PrintedRow, PrintedTable, Style
from .rounding import ROWS_ROUNDED_SEPARATELY, rounded_separately, rounded_to_unit

ACCEPTED = MonitoringReturn.Status.ACCEPTED
UNITS: dict[str, tuple[Decimal, Decimal, Format]] = {
    DataTable.Unit.THOUSANDS: (Decimal(1000), Decimal(1), Format.THOUSANDS),
    DataTable.Unit.MILLIONS: (Decimal(1_000_000), Decimal("0.01"), Format.MILLIONS),
}


def definitions_for_year(year: FinancialYear) -> QuerySet[DataTable]:
    """The year's table definitions with all they print from, in the order the report prints them."""
    return (
        DataTable.objects.filter(year=year)
        .select_related(
            "year", "after_stream", "breakdown__measure", "service__template", "service__provider"
        )
        .prefetch_related(
            Prefetch(
                "rows",
                queryset=DataTableRow.objects.select_related(
                    "stream", "measure__numerator", "measure__denominator", "measure__weighted_by"
                ),
            ),
            "breakdown__options",
        )
        .order_by("after_stream__report_order", "order", "number", "pk")
    )


def tables_for_year(year: FinancialYear) -> list[PrintedTable]:
    return build_data_tables(year)[0]


def build_data_tables(year: FinancialYear) -> tuple[list[PrintedTable], list[str]]:
    """Every data table of the year, printed, and what is wrong with their figures (for the Checks sheet)."""
    money = _YearMoney(year)
    tables: list[PrintedTable] = []
    problems: list[str] = []
    for definition in definitions_for_year(year):
        match definition.kind:
            case DataTable.Kind.BY_CATEGORY:
                table = _by_category(definition, problems)
            case DataTable.Kind.BY_QUARTER:
                table = _by_quarter(definition, problems)
            case _:
                table = _by_stream(definition, money, problems)
        tables.append(table)
    return tables, problems


def _printed_table(definition: DataTable, headings: list[str]) -> PrintedTable:
    title = definition.printed_title
    return PrintedTable(
        key=f"data-{definition.pk}",
        number=definition.number,
        title=f"Table {definition.number}. {title}" if definition.number else title,
        headings=headings,
    )


def _figure_format(measure: Measure, value: Decimal | None) -> Format:
    if measure.kind == Measure.Kind.PERCENTAGE:
        return Format.PERCENT
    if measure.kind == Measure.Kind.MONEY:
        return Format.POUNDS
    if value is not None and value != value.to_integral_value():
        return Format.PLAIN_PENCE
    return Format.COUNT


def _figure(measure: Measure, combined: Combined | None) -> Cell:
    value = combined.value if combined else None
    return Cell(value, _figure_format(measure, value))


# --- One measure by category -----------------------------------------------------------------------------------------


def _by_category(definition: DataTable, problems: list[str]) -> PrintedTable:
    breakdown = definition.breakdown
    assert breakdown is not None  # a table by category has one (a database constraint)
    measure = breakdown.measure
    table = _printed_table(definition, [definition.label_heading, definition.printed_figure_heading])
    return_ids = list(
        MonitoringReturn.objects.filter(
            status=ACCEPTED, period__year_id=definition.year_id, period__template_id=measure.template_id
        ).values_list("pk", flat=True)
    )
    counts = dict(
        ReturnBreakdownValue.objects.filter(monitoring_return_id__in=return_ids, option__breakdown=breakdown)
        .values("option_id")
        .annotate(total=Sum("count"))
        .values_list("option_id", "total")
    )
    for option in breakdown.options.all():
        table.rows.append(PrintedRow([Cell(option.label), Cell(counts.get(option.pk, 0), Format.COUNT)]))
    combined = combine(measure, return_ids)
    if combined.value is None:
        problems.append(
            f"{table.title}: no accepted {definition.year} return gave “{measure.label}”, so the table is empty."
        )
    else:
        by_category = sum(counts.values(), 0)
        if by_category != combined.value:
            problems.append(
                f"{table.title}: the {breakdown.label} counts add up to {by_category:,}, but the accepted returns "
                f"give {combined.value:,.0f} for “{measure.label}”."
            )
    if definition.total_label:
        table.rows.append(
            PrintedRow([Cell(definition.total_label), Cell(combined.value, Format.COUNT)], Style.TOTAL)
        )
    return table


# --- Measures by quarter for one service -----------------------------------------------------------------------------


def _by_quarter(definition: DataTable, problems: list[str]) -> PrintedTable:
    service, year = definition.service, definition.year
    assert service is not None  # a table by quarter has one (a database constraint)
    template = service.template
    bounds = template.period_bounds(year) if template else []
    suffix = f" {year.label()}"
    headings = [definition.label_heading, *(label.removesuffix(suffix) or label for label, _, _ in bounds)]
    if definition.total_label:
        headings.append(definition.total_label)
    table = _printed_table(definition, headings)

    returns = MonitoringReturn.objects.filter(service=service, period__year=year, status=ACCEPTED)
    accepted = dict(returns.values_list("period__starts_on", "pk"))
    if not accepted:
        problems.append(f"{table.title}: {service.name} has no accepted returns for {year}.")
    else:
        for label, starts_on, _ in bounds:
            if starts_on not in accepted:
                problems.append(f"{table.title}: {service.name} has no accepted return for {label}.")

    # A row with no measure is refused by DataTableRow.clean; one made some other way prints nothing.
    for row in definition.rows.all():
        measure = row.measure
        if measure is None:
            continue
        label = row.printed_label
        by_start = {starts_on: combined for _, starts_on, combined in combine_by_period(measure, returns)}
        cells = [Cell(label), *(_figure(measure, by_start.get(start)) for _, start, _ in bounds)]
        if definition.total_label:
            year_total = combine(measure, accepted.values())
            cells.append(_figure(measure, year_total))
            if measure.kind == Measure.Kind.PERCENTAGE and year_total.value is not None:
                table.notes.append(
                    f"The {definition.total_label.lower()} for “{label}” is not a sum: "
                    f"{year_total.how[:1].lower()}{year_total.how[1:]}."
                )
        if accepted and not by_start:
            problems.append(f"{table.title}: no accepted return for {year} gave “{measure.label}”.")
        table.rows.append(PrintedRow(cells))
    return table


# --- The year's money by stream --------------------------------------------------------------------------------------


class _YearMoney:
    """Each stream's pot, allocation and money paid in the year, read once however many tables print them."""

    def __init__(self, year: FinancialYear):
        self.year = year

    @cached_property
    def budgets(self) -> dict[int, Budget]:
        return {b.stream_id: b for b in budgets_for_year(self.year)}

    @cached_property
    def paid(self) -> dict[int, Decimal]:
        # A payment counts in the year of its date, whichever year's budget it came from.
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for stream_id, amount in (
            Payment.objects.filter(paid_on__range=(self.year.starts_on, self.year.ends_on))
            .values("line__budget__stream_id")
            .annotate(total=Sum("amount"))
            .values_list("line__budget__stream_id", "total")
        ):
            totals[stream_id] += amount
        return totals

    def amount(self, what: str, stream_id: int) -> Decimal | None:
        if what == DataTable.Money.PAID:
            return self.paid.get(stream_id, Decimal("0.00"))
        budget = self.budgets.get(stream_id)
        return None if budget is None else getattr(budget, what)


def _by_stream(definition: DataTable, money: _YearMoney, problems: list[str]) -> PrintedTable:
    table = _printed_table(definition, [definition.label_heading, definition.printed_figure_heading])
    rows = list(definition.rows.all())
    amounts: dict[int, Decimal] = {}
    for row in rows:
        if row.stream_id is None:
            continue
        amount = money.amount(definition.money, row.stream_id)
        if amount is None:
            problems.append(
                f"{table.title}: {row.stream} has no budget for {definition.year}, so “{row.printed_label}” is 0."
            )
            amount = Decimal("0.00")
        amounts[row.pk] = amount

    total = sum(amounts.values(), Decimal("0.00"))
    if definition.unit in UNITS:
        per_unit, places, number_format = UNITS[definition.unit]
        if definition.total_label:
            rounded = rounded_to_unit(list(amounts.values()), per_unit=per_unit, places=places)
            if not rounded.adds_up:
                table.notes.append(ROWS_ROUNDED_SEPARATELY)
        else:  # with no total printed, each row is simply its own amount rounded
            rounded = rounded_separately(list(amounts.values()), per_unit=per_unit, places=places)
        printed = dict(zip(amounts, rounded.rows, strict=True))
        printed_total = rounded.total
    else:
        printed, printed_total, number_format = amounts, total, Format.POUNDS

    for row in rows:
        value = printed.get(row.pk) if row.stream_id else None
        table.rows.append(PrintedRow([Cell(row.printed_label), Cell(value, number_format)]))
    if definition.total_label:
        table.rows.append(
            PrintedRow([Cell(definition.total_label), Cell(printed_total, number_format)], Style.TOTAL)
        )
    if not rows:
        problems.append(f"{table.title}: the table has no rows; add the streams it prints in admin.")
    return table


def latest_year_with_tables() -> FinancialYear | None:
    return FinancialYear.objects.filter(data_tables__isnull=False).order_by("-start_year").first()
