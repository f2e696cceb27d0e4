"""The annual report's narrative figures for a financial year, and its list of PCC decisions.

The staff page and the annual report pack both call these, so a figure is computed in one place only. Each figure
carries its definition, printed beside it on the page and in the workbook.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from applications.models import Award
from applications.report_outputs import Delivered, delivered_in_year
from funds import selectors
from funds.models import Budget, FinancialYear
from providers.models import MonitoringReturn, ReturnValue, ServiceFunding
from providers.ready_templates import VICTIMS_SERVICES
from transparency.selectors import decisions_in_year, public_view, published_decisions, with_public_budgets

from .finance_reports import commissioned_spend

# Where a grant's budget line has no area (a reserve, a ring-fenced fund), it is counted with the dashboard's lines
# that have none.
NO_AREA = selectors.FORCE_WIDE
# The victims' services return's measures that count people: new victims, and those carried over from earlier
# quarters. IDVA/ISVA returns count referrals and caseload, which are not people newly supported, so they are not here.
NEW_VICTIMS = "new_victims"
EXISTING_VICTIMS = "existing_victims"

DEFINITIONS = {
    "projects": "Grants finance has approved (committed, paid, or closed with an underspend) from the year's budget "
    "lines, counted by the area of the budget line they are paid from, as the budget tables count them; grants "
    "from a line with no area (a reserve or a ring-fenced fund) are counted under "
    f'"{selectors.FORCE_WIDE}". Amount awarded is the awards\' total; paid in the year is what was paid against '
    "them from 1 April to 31 March.",
    "services": "Commissioned services funded from a budget line of the year, by the stream that funds them. A "
    "service funded from two streams is counted under each, and once in the total.",
    "victims": 'The sum of "New victims supported" (and of "Existing victims supported") in accepted monitoring '
    "returns from victims' services for the year's reporting periods. Returns that are not yet accepted "
    "are not counted.",
    "spend": "Payments dated 1 April to 31 March of the year, from any budget, net of corrections and money paid "
    "back.",
    "committed": "Money committed, and not released, against the year's budgets.",
    "budget": "The year's pots: every stream's budget for the year, the sum of its ledger entries.",
    "allocated": "What the year's budget lines allocate: the budget tables' totals added up.",
    "commissioned": "Payments dated in the year against commitments made for commissioned services: the year's "
    "payments less those for grant awards and those for anything else.",
    "delivered": "What the year's grants delivered: the answers to the counted questions of accepted end-of-grant "
    'and progress reports (such as "Young people reached"), added up under each question\'s output name, for '
    "awards from the year's rounds. Reports not yet accepted are not counted. Case studies are accepted reports "
    "staff chose to publish.",
}


@dataclass
class AreaProjects:
    area: str
    projects: int = 0
    awarded: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")


@dataclass
class StreamServices:
    stream: str
    services: int


@dataclass
class AnnualFigures:
    year: FinancialYear
    projects_by_area: list[AreaProjects]
    services_by_stream: list[StreamServices]
    services: int
    new_victims: Decimal
    new_and_existing_victims: Decimal
    totals: "YearTotals"
    delivered: Delivered = field(default_factory=Delivered)
    definitions: dict = field(default_factory=lambda: dict(DEFINITIONS))

    @property
    def total_spend(self) -> Decimal:
        return self.totals.paid_in_year

    @property
    def total_committed(self) -> Decimal:
        return self.totals.committed

    @property
    def commissioned_spend(self) -> Decimal:
        return self.totals.commissioned_spend

    @property
    def projects(self) -> int:
        return sum(a.projects for a in self.projects_by_area)

    @property
    def awarded(self) -> Decimal:
        return sum((a.awarded for a in self.projects_by_area), Decimal("0.00"))

    @property
    def projects_paid(self) -> Decimal:
        return sum((a.paid for a in self.projects_by_area), Decimal("0.00"))


# --- The figures every page of the year shows: one function each ---------------------------------------------------

# A grant is funded once finance has approved it, and stays so when it is paid in full or closed with an underspend;
# one awaiting finance is not yet, and one cancelled no longer is (its commitment was released).
FUNDED_STATUSES = (Award.Status.COMMITTED, Award.Status.PAID, Award.Status.CLOSED)


def funded_grants(year: FinancialYear) -> QuerySet[Award]:
    """The year's grants: awards finance has approved, paid from a line of the year's budgets. The budget tables'
    project counts, the pack's projects by area and the year's total all count these."""
    return Award.objects.filter(status__in=FUNDED_STATUSES, line__budget__year=year)


def projects_by_line(year: FinancialYear) -> dict[int, int]:
    """Budget line id -> how many of the year's grants it pays for. One query."""
    return dict(funded_grants(year).order_by().values_list("line_id").annotate(n=Count("pk")))


@dataclass(frozen=True)
class YearTotals:
    """The year's headline figures, printed alike by the staff dashboard, the budget tables and the report pack."""

    budget: Decimal  # the year's pots
    allocated: Decimal  # to the year's lines
    committed: Decimal  # live commitments against the year's budgets
    paid_in_year: Decimal  # payments dated in the year, from any budget
    commissioned_spend: Decimal  # of which on commissioned services
    projects: int  # the year's grants


def year_totals(year: FinancialYear, budgets: list[Budget] | None = None) -> YearTotals:
    """`budgets` are budgets_for_year's rows when the caller has read them already. Four queries at most."""
    if budgets is None:
        budgets = list(selectors.budgets_for_year(year))
    zero = Decimal("0.00")
    return YearTotals(
        budget=sum((b.pot for b in budgets), zero),
        allocated=sum((b.allocated for b in budgets), zero),
        committed=sum((b.committed for b in budgets), zero),
        paid_in_year=selectors.paid_in_year(year),
        commissioned_spend=commissioned_spend(year).services,
        projects=funded_grants(year).count(),
    )


def projects_by_area(year: FinancialYear) -> list[AreaProjects]:
    """The year's grants by their line's area: how many, the amount awarded and what was paid in the year. Two
    queries."""
    grants = funded_grants(year)
    rows: dict[int | None, AreaProjects] = {}
    for area_id, name, n, awarded in (
        grants.order_by()
        .values_list("line__area_id", "line__area__name")
        .annotate(n=Count("pk"), awarded=Sum("amount"))
    ):
        rows[area_id] = AreaProjects(name or NO_AREA, n, awarded)
    # From the year's grants to their payments, not from every payment to its grant: at 100,000 applications the
    # other way round hashed all payments against all awards (112 ms against 21 ms, docs/benchmarks.md).
    paid = (
        grants.order_by()
        .filter(commitment__payments__paid_on__range=(year.starts_on, year.ends_on))
        .values_list("line__area_id")
        .annotate(s=Sum("commitment__payments__amount"))
    )
    for area_id, amount in paid:
        rows[area_id].paid = amount
    return sorted(rows.values(), key=lambda a: (a.area == NO_AREA, a.area.casefold()))


def services_by_stream(year: FinancialYear) -> tuple[list[StreamServices], int]:
    fundings = ServiceFunding.objects.filter(line__budget__year=year)
    by_stream = (
        fundings.order_by()
        .values_list("line__budget__stream__name", "line__budget__stream__report_order")
        .annotate(n=Count("service", distinct=True))
        .order_by("line__budget__stream__report_order", "line__budget__stream__name")
    )
    total = fundings.values("service").distinct().count()
    return [StreamServices(name, n) for name, _, n in by_stream], total


def victims_supported(year: FinancialYear) -> tuple[Decimal, Decimal]:
    """(new, new and existing) victims supported, from accepted victims' services returns for the year."""
    figures = ReturnValue.objects.filter(
        monitoring_return__status=MonitoringReturn.Status.ACCEPTED,
        monitoring_return__period__year=year,
        measure__template__slug=VICTIMS_SERVICES,
    ).aggregate(
        new=Sum("number", filter=Q(measure__code=NEW_VICTIMS), default=Decimal(0)),
        existing=Sum("number", filter=Q(measure__code=EXISTING_VICTIMS), default=Decimal(0)),
    )
    return figures["new"], figures["new"] + figures["existing"]


def annual_figures(year: FinancialYear) -> AnnualFigures:
    streams, services = services_by_stream(year)
    new, new_and_existing = victims_supported(year)
    return AnnualFigures(
        year=year,
        projects_by_area=projects_by_area(year),
        services_by_stream=streams,
        services=services,
        new_victims=new,
        new_and_existing_victims=new_and_existing,
        totals=year_totals(year),
        delivered=delivered_in_year(year),
    )


# --- PCC decisions ---------------------------------------------------------------------------------------------------


@dataclass
class DecisionEntry:
    number: str
    text: str
    is_public: bool


@dataclass
class DecisionDay:
    day: datetime.date
    entries: list[DecisionEntry]


def decisions_by_date(year: FinancialYear) -> list[DecisionDay]:
    """Decisions made 1 April to 31 March, oldest day first, as the annual report prints them. Everything shown comes
    from transparency.selectors.public_view: a confidential decision is its number, date and the wording "is a
    confidential decision relating to" its one-line public description, never its title or summary."""
    made = with_public_budgets(decisions_in_year(published_decisions(), year.start_year)).order_by(
        "decided_on", "number"
    )
    days: dict[datetime.date, list[DecisionEntry]] = defaultdict(list)
    for decision in made:
        view = public_view(decision)
        text = view["title"] if view["is_public"] else view["statement"]
        days[view["decided_on"]].append(DecisionEntry(view["number"], text, view["is_public"]))
    return [DecisionDay(day, entries) for day, entries in days.items()]
