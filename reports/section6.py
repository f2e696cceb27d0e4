"""Section 6 of the annual report, "Financial Planning, Resources and Grant Giving", as data: an ordered list of
blocks (headings, paragraphs with their figures filled in from the records, and tables in the printed shape), with
the problems the Checks sheet lists.

The order is the report's: the precept table, then each stream's budget table in the streams' report order
(funds.FundingStream.report_order: in 2024/25 the Helping Communities Fund, Prevention and Intervention, the
Community Safety Fund, the Victims Fund, IDVA/ISVA), each preceded by its narrative sentences and followed by the
tables from monitoring data placed after it; tables placed nowhere in particular come at the end.

The Word document and the workbook (reports.exports.section6) both write these blocks, so they cannot disagree.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from applications.models import Application
from core.money import format_pounds
from funds.models import Budget, BudgetEntry, FinancialYear, FundingSource, ReportTable
from funds.selectors import budgets_for_year
from providers.models import MonitoringReturn, ServiceFunding
from providers.ready_templates import VICTIMS_SERVICES

from .finance_reports import commissioned_spend_by_stream
from .printed import PrintedTable, from_budget_table, repeated_total_labels
from .report_figures import funded_grants, victims_supported
from .report_tables import build_report

SECTION_TITLE = "Financial Planning, Resources and Grant Giving"
GRANTS_HEADING = "Grants"

# Told how far the build has gone: (steps done, steps in all, the step now being worked on).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 the section, 2 a part of it, 3 a stream


@dataclass(frozen=True)
class Paragraph:
    text: str


Block = Heading | Paragraph | PrintedTable


@dataclass
class Section6:
    year: FinancialYear
    blocks: list[Block] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[PrintedTable]:
        return [block for block in self.blocks if isinstance(block, PrintedTable)]

    @property
    def paragraphs(self) -> list[str]:
        """Every sentence printed, in order, the tables' intros among them."""
        texts = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                texts.append(block.text)
            elif isinstance(block, PrintedTable) and block.intro:
                texts.append(block.intro)
        return texts


# --- The narrative figures --------------------------------------------------------------------------------------------


def _count(n: int | Decimal, one: str, many: str) -> str:
    return f"{n:,.0f} {one if n == 1 else many}"


def _budget_name(stream) -> str:
    """ "the Victims Fund", "the IDVA/ISVA budget": a stream named as a sentence can say it."""
    return f"the {stream.name}" if stream.name.endswith("Fund") else f"the {stream.name} budget"


def _funding_name(budget: Budget) -> str:
    """ "community safety funding" for the Community Safety Fund: how the report names money moved from a stream."""
    name = budget.stream.name
    if name.endswith(" Fund"):
        name = name.removesuffix(" Fund") + " funding"
    else:
        name += " funding"
    return name.lower()


def _top_up_phrase(entry: BudgetEntry, amount: Decimal) -> str:
    money = format_pounds(amount)
    if entry.kind == BudgetEntry.Kind.TRANSFER_IN and entry.counterpart is not None:
        other = entry.counterpart
        if other.stream_id == entry.budget.stream_id:
            return f"{money} carried forward from {other.year}"
        return f"{money} of {_funding_name(other)}"
    if entry.source is not None and entry.source.kind == FundingSource.Kind.RESERVES:
        return f"{money} from reserves"
    if entry.source is not None:
        return f"{money} from {entry.source.name}"
    return money


def top_up_sentence(budget: Budget) -> str:
    """The sentence that explains money added to a pot after its allocation: a top-up (from reserves, in 2024/25) or a
    transfer from another stream (£271,410 of community safety funding, in 2022/23). Empty when there was none.
    Entries of the same kind from the same place are added together."""
    entries = (
        BudgetEntry.objects.filter(
            budget=budget, kind__in=[BudgetEntry.Kind.TOP_UP, BudgetEntry.Kind.TRANSFER_IN]
        )
        .select_related("budget", "source", "counterpart__stream", "counterpart__year")
        .order_by("created_at", "pk")
    )
    totals: dict[tuple, Decimal] = {}
    first: dict[tuple, BudgetEntry] = {}
    for entry in entries:
        where = (entry.kind, entry.source_id, entry.counterpart_id)
        totals[where] = totals.get(where, Decimal("0")) + entry.amount
        first.setdefault(where, entry)
    if not totals:
        return ""
    phrases = [_top_up_phrase(first[where], amount) for where, amount in totals.items()]
    joined = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"In {budget.year} {_budget_name(budget.stream)} was topped up with {joined}."


@dataclass
class _YearFigures:
    """The figures the sentences quote, read once for the whole year."""

    applications: dict[int, int]  # stream id -> applications received by the year's rounds
    rounds: set[int]  # streams with a round in the year
    grants: dict[int, int]  # stream id -> the year's grants
    services: dict[int, int]  # stream id -> commissioned services funded
    spend: dict[int, Decimal]  # stream id -> paid in the year on commissioned services
    victims_stream: int | None  # the first stream in report order whose services report victims supported
    new_victims: Decimal
    new_and_existing_victims: Decimal


def _year_figures(year: FinancialYear, budgets: list[Budget]) -> _YearFigures:
    received = Application.objects.filter(round__budget__year=year)
    applications = dict(
        received.order_by()
        .values_list("round__budget__stream_id")
        .annotate(n=Count("pk", filter=Q(submitted_at__isnull=False)))
    )
    grants = dict(
        funded_grants(year).order_by().values_list("line__budget__stream_id").annotate(n=Count("pk"))
    )
    services = dict(
        ServiceFunding.objects.filter(line__budget__year=year)
        .order_by()
        .values_list("line__budget__stream_id")
        .annotate(n=Count("service", distinct=True))
    )
    reporting = set(
        ServiceFunding.objects.filter(
            line__budget__year=year,
            service__returns__period__year=year,
            service__returns__status=MonitoringReturn.Status.ACCEPTED,
            service__template__slug=VICTIMS_SERVICES,
        ).values_list("line__budget__stream_id", flat=True)
    )
    in_order = sorted(budgets, key=lambda b: (b.stream.report_order, b.stream.name))
    new, new_and_existing = victims_supported(year)
    return _YearFigures(
        applications=applications,
        rounds=set(applications),
        grants=grants,
        services=services,
        spend=commissioned_spend_by_stream(year),
        victims_stream=next((b.stream_id for b in in_order if b.stream_id in reporting), None),
        new_victims=new,
        new_and_existing_victims=new_and_existing,
    )


def stream_sentences(budget: Budget, figures: _YearFigures, table: PrintedTable | None) -> list[str]:
    """What the report says before a stream's table, from the records: for a fund that gives grants, its pot, the
    applications it received and the projects it funds; for one that commissions services, how many and what was
    spent on them; and, before the first table whose services report them, the victims supported."""
    stream, year = budget.stream, budget.year
    sentences = []
    if stream.pk in figures.rounds:
        # The projects the table counts, when it prints a count (its total row's), so the sentence and the table agree.
        printed = _printed_project_count(table)
        projects = printed if printed is not None else figures.grants.get(stream.pk, 0)
        sentences.append(
            f"In {year} {_budget_name(stream)} had a pot of {format_pounds(budget.pot)}. It received "
            f"{_count(figures.applications.get(stream.pk, 0), 'application', 'applications')} and funded "
            f"{_count(projects, 'project', 'projects')}."
        )
    if services := figures.services.get(stream.pk):
        sentences.append(
            f"In {year} {_budget_name(stream)} paid for "
            f"{_count(services, 'commissioned service', 'commissioned services')}, with a total spend on "
            f"commissioned services of {format_pounds(figures.spend.get(stream.pk, Decimal('0')))}."
        )
    if figures.victims_stream == stream.pk:
        sentences.append(
            f"The services it commissioned supported {_count(figures.new_victims, 'new victim', 'new victims')}, "
            f"and {_count(figures.new_and_existing_victims, 'new and existing victim', 'new and existing victims')} "
            "in all."
        )
    return sentences


def _printed_project_count(table: PrintedTable | None) -> int | None:
    if table is None or len(table.headings) < 3 or table.headings[2] != "Number Of Projects":
        return None
    total = next((row for row in table.rows if row.style == "total"), None)
    value = total.cells[2].value if total is not None and len(total.cells) > 2 else None
    return int(value) if value is not None and not isinstance(value, str) else None


# --- The tables from monitoring data ----------------------------------------------------------------------------------


def _data_tables(year: FinancialYear) -> tuple[dict[int | None, list[PrintedTable]], list[str]]:
    """The tables from monitoring data, by the stream whose table they follow (None: the end of the section)."""
    placed: dict[int | None, list[PrintedTable]] = defaultdict(list)
    try:
        from .data_tables import build_data_tables
        from .models import DataTable
    except ImportError:  # pragma: no cover - reports.data_tables is being written alongside this module
        return placed, []
    tables, problems = build_data_tables(year)
    after = dict(DataTable.objects.filter(year=year).values_list("pk", "after_stream_id"))
    for table in tables:
        pk = table.key.removeprefix("data-")
        placed[after.get(int(pk)) if pk.isdigit() else None].append(table)
    return placed, problems


# --- The section --------------------------------------------------------------------------------------------------------


def build_section6(year: FinancialYear, *, progress: Progress | None = None) -> Section6:
    """The section for `year`. `progress`, if given, is told each step as it starts: reading the tables (the
    precept's, the budgets' and those from monitoring data), each stream's sentences and table, then the checks."""
    report = build_report(year)
    definitions = {
        d.number: d
        for d in ReportTable.objects.filter(year=year, stream__isnull=False).select_related("stream")
    }
    budgets = {b.stream_id: b for b in budgets_for_year(year)}
    printed = [(definitions.get(t.number), from_budget_table(t)) for t in report.tables]
    # The streams' report order; a table whose definition has gone since is kept, after them, by its number.
    printed.sort(
        key=lambda pair: (
            pair[0] is None,
            *((pair[0].stream.report_order, pair[0].stream.name) if pair[0] else ()),
        )
    )
    steps = ["Reading the budget tables", *(d.stream.name if d else t.title for d, t in printed), "Checks"]
    done = 0

    def step() -> None:
        nonlocal done
        if progress is not None:
            progress(done, len(steps), steps[done])
        done += 1

    step()
    figures = _year_figures(year, list(budgets.values()))
    data, data_problems = _data_tables(year)
    section = Section6(year=year)
    blocks = section.blocks
    blocks.append(Heading(SECTION_TITLE, 1))
    if report.precept is not None:
        blocks.append(report.precept)
    blocks.append(Heading(GRANTS_HEADING, 2))
    blocks.append(
        Paragraph(
            f"The tables below show how the {year} grants budgets were allocated. Every figure and total comes from "
            "the budget records."
        )
    )
    for definition, table in printed:
        step()
        budget = budgets.get(definition.stream_id) if definition else None
        if definition is not None:
            blocks.append(Heading(definition.stream.name, 3))
        if budget is not None:
            blocks.extend(Paragraph(text) for text in stream_sentences(budget, figures, table))
            table.intro = top_up_sentence(budget)
        blocks.append(table)
        if definition is not None:
            blocks.extend(data.pop(definition.stream_id, []))
    for tables in data.values():  # after no printed table: at the end
        blocks.extend(tables)
    step()
    every = [block for block in blocks if isinstance(block, PrintedTable)]
    section.problems = list(dict.fromkeys([*report.problems, *data_problems, *repeated_total_labels(every)]))
    return section
