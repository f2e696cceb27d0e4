"""Every write in a needs assessment, and the calculation that turns its inputs into whole-pound shares."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from audit.selectors import trail_of
from audit.services import record_event
from core.money import format_pounds
from funds import selectors as funds_selectors
from funds import services as funds_services
from funds.models import Area, Budget, BudgetLine, Decision, FinancialYear

from .allocation import AllocationInputError, allocate, combined_shares
from .allocation import Indicator as AllocationIndicator
from .models import CurrentAllocation, Indicator, IndicatorValue, NeedsAssessment

if TYPE_CHECKING:
    from accounts.models import User


class NeedsError(Exception):
    """A request refused with a message meant for the person who made it."""


class NotReady(NeedsError):
    """The assessment cannot be calculated yet; `problems` lists what to fix, one sentence each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def areas_for(assessment: NeedsAssessment) -> list[Area]:
    """The areas of the assessment's kind in force during the target year, in name order (the tie-break order)."""
    year = assessment.target_year
    return list(
        Area.objects.filter(kind=assessment.area_kind)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=year.ends_on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=year.starts_on))
        .order_by("name", "pk")
    )


@transaction.atomic
def create_assessment(
    *,
    name: str,
    pot_line: BudgetLine,
    area_kind: str = Area.Kind.LOCAL_AUTHORITY,
    target_year: FinancialYear | None = None,
    illustrative: bool = False,
    by: "User | None" = None,
) -> NeedsAssessment:
    if target_year is None:
        target_year = funds_services.get_or_create_year(pot_line.budget.year.start_year + 1)
    assessment = NeedsAssessment.objects.create(
        name=name,
        pot_line=pot_line,
        pot=pot_line.amount,
        area_kind=area_kind,
        target_year=target_year,
        illustrative=illustrative,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    # Where the pot's budget already shares money by area, that is what each area gets now.
    current = (
        BudgetLine.objects.filter(
            budget_id=pot_line.budget_id, kind=BudgetLine.Kind.AREA, area__kind=area_kind
        )
        .values("area_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    CurrentAllocation.objects.bulk_create(
        CurrentAllocation(assessment=assessment, area_id=row["area_id"], amount=row["total"])
        for row in current
    )
    record_event(
        "needs.created", obj=assessment, by=by, after={"pot": str(assessment.pot), "pot_line": pot_line.pk}
    )
    return assessment


@dataclass
class IndicatorInput:
    name: str
    weight: Decimal
    source: str = Indicator.Source.ENTERED
    measure_code: str = ""
    id: int | None = None
    delete: bool = False


@transaction.atomic
def save_inputs(
    *,
    assessment: NeedsAssessment,
    pot: Decimal | None = None,
    indicators: list[IndicatorInput] | None = None,
    values: dict[tuple[int, int], Decimal | None] | None = None,
    current: dict[int, Decimal | None] | None = None,
    by: "User | None" = None,
) -> None:
    """Save what staff typed on the assessment page, all or nothing. An adopted assessment's figures are the record
    of what its decision adopted, so they no longer change."""
    assessment = NeedsAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == NeedsAssessment.Status.ADOPTED:
        raise NeedsError(_adopted_already(assessment))
    before = {"pot": str(assessment.pot)}
    if pot is not None and pot != assessment.pot:
        assessment.pot = pot
        assessment.save(update_fields=["pot"])
    if indicators is not None:
        save_indicators(assessment=assessment, indicators=indicators)
    if values is not None:
        save_indicator_values(assessment=assessment, values=values)
    if current is not None:
        save_current_allocations(assessment=assessment, current=current)
    record_event(
        "needs.inputs_saved", obj=assessment, by=by, before=before, after={"pot": str(assessment.pot)}
    )


def save_indicators(*, assessment: NeedsAssessment, indicators: list[IndicatorInput]) -> None:
    existing = {i.pk: i for i in assessment.indicators.all()}
    # Names are unique in an assessment. The form checks the rows it shows; this also counts indicators a posted
    # form left out, so no request can reach the database's constraint.
    mentioned = {row.id for row in indicators if row.id in existing}
    names = [row.name.strip().lower() for row in indicators if not row.delete]
    names += [i.name.lower() for pk, i in existing.items() if pk not in mentioned]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise NeedsError(f"Give each indicator a different name: {duplicates[0]} is used twice")
    # Renaming two indicators to each other's names passes the check above but collides half way through.
    renamed = [
        row
        for row in indicators
        if not row.delete and row.id in existing and existing[row.id].name != row.name
    ]
    for indicator in (existing[row.id] for row in renamed if row.id is not None):
        indicator.name = f"\x1f{indicator.pk}"
        indicator.save(update_fields=["name"])
    # Removals first, so a new indicator may take the name of one removed in the same save.
    for row in indicators:
        if row.delete and row.id in existing:
            existing.pop(row.id).delete()
    for order, row in enumerate(indicators):
        if row.delete:
            continue
        found = existing.get(row.id) if row.id else None
        indicator = found or Indicator(assessment=assessment)
        indicator.name, indicator.weight, indicator.order = row.name, row.weight, order
        indicator.source = row.source
        indicator.measure_code = row.measure_code if row.source == Indicator.Source.MONITORING_RETURNS else ""
        indicator.save()


def save_indicator_values(
    *, assessment: NeedsAssessment, values: dict[tuple[int, int], Decimal | None]
) -> None:
    """(indicator id, area id) -> value; None removes the value. A changed value becomes one staff entered."""
    indicator_ids = set(assessment.indicators.values_list("pk", flat=True))
    stored = {
        (v.indicator_id, v.area_id): v
        for v in IndicatorValue.objects.filter(indicator__assessment=assessment)
    }
    for (indicator_id, area_id), value in values.items():
        if indicator_id not in indicator_ids:
            continue  # removed in the same save
        row = stored.get((indicator_id, area_id))
        if value is None:
            if row is not None:
                row.delete()
        elif row is None:
            IndicatorValue.objects.create(indicator_id=indicator_id, area_id=area_id, value=value)
        elif row.value != value:
            row.value, row.source = value, IndicatorValue.Source.ENTERED
            row.save(update_fields=["value", "source"])


def save_current_allocations(*, assessment: NeedsAssessment, current: dict[int, Decimal | None]) -> None:
    for area_id, amount in current.items():
        if amount is None:
            CurrentAllocation.objects.filter(assessment=assessment, area_id=area_id).delete()
        else:
            CurrentAllocation.objects.update_or_create(
                assessment=assessment, area_id=area_id, defaults={"amount": amount}
            )


def _demand_selector() -> Callable[..., dict[int, Decimal]] | None:
    # The providers app owns monitoring returns; it is optional here, so it is looked up only when asked for.
    if not apps.is_installed("providers"):
        return None
    try:
        from providers import selectors
    except ImportError:
        return None
    return getattr(selectors, "recorded_demand_by_area", None)


@transaction.atomic
def fill_from_returns(indicator: Indicator, *, by: "User | None" = None) -> int:
    """Take demand from monitoring returns where they exist; keep the entered value where they don't.

    Returns how many areas got a figure from returns. The demand counted is that recorded in the pot line's year,
    in returns for services funded from the pot line's stream.
    """
    selector = _demand_selector()
    if selector is None:
        raise NeedsError(
            "Monitoring returns are not available in this system, so enter the demand figures by hand."
        )
    if not indicator.measure_code:
        raise NeedsError(f"Give {indicator.name} a measure code before filling it from monitoring returns.")
    assessment = indicator.assessment
    budget = assessment.pot_line.budget
    try:
        demand = selector(
            year=budget.year, measure_code=indicator.measure_code, stream_slug=budget.stream.slug
        )
    except ValueError as exc:  # providers.selectors.NotACount: the message names the measure and its kind
        raise NeedsError(f"{indicator.name} cannot be filled from monitoring returns. {exc}.") from exc
    filled = 0
    for area in areas_for(assessment):
        if area.pk not in demand:
            continue
        IndicatorValue.objects.update_or_create(
            indicator=indicator,
            area=area,
            defaults={
                "value": Decimal(demand[area.pk]).quantize(Decimal("0.01")),
                "source": IndicatorValue.Source.RETURNS,
            },
        )
        filled += 1
    record_event(
        "needs.filled_from_returns",
        obj=assessment,
        by=by,
        after={"indicator": indicator.name, "areas": filled},
    )
    return filled


@dataclass
class ResultRow:
    area: Area
    share: Fraction
    allocation: int
    current: Decimal | None
    values: list[Decimal | None]

    @property
    def share_percent(self) -> Decimal:
        return (Decimal(self.share.numerator) * 100 / Decimal(self.share.denominator)).quantize(
            Decimal("0.01")
        )

    @property
    def difference(self) -> Decimal:
        return Decimal(self.allocation) - (self.current or Decimal(0))


@dataclass
class Result:
    pot: Decimal
    indicators: list[Indicator]
    rows: list[ResultRow]

    @property
    def total(self) -> int:
        return sum(r.allocation for r in self.rows)

    @property
    def current_total(self) -> Decimal:
        return sum((r.current or Decimal(0) for r in self.rows), Decimal(0))

    @property
    def difference_total(self) -> Decimal:
        return Decimal(self.total) - self.current_total


def run(assessment: NeedsAssessment) -> Result:
    """Each area's whole-pound share beside what it gets now. Raises NotReady saying what is missing."""
    areas = areas_for(assessment)
    indicators = list(assessment.indicators.prefetch_related("values"))
    grid = {i.pk: {v.area_id: v.value for v in i.values.all()} for i in indicators}
    problems = []
    if not areas:
        problems.append(
            f"There are no {assessment.get_area_kind_display().lower()} areas to share the pot between."
        )
    if not indicators:
        problems.append("Add at least one indicator of need.")
    for indicator in indicators:
        if indicator.weight == 0:
            continue
        missing = [a.name for a in areas if a.pk not in grid[indicator.pk]]
        if missing:
            problems.append(f"Enter {indicator.name_in_sentence} for {_listed(missing)}.")
    if problems:
        raise NotReady(problems)
    inputs = [
        AllocationIndicator(
            weight=i.weight, values={a: grid[i.pk].get(a.pk, Decimal(0)) for a in areas}, name=i.name
        )
        for i in indicators
    ]
    try:
        shares = allocate(assessment.pot, areas, inputs)
        exact = combined_shares(areas, inputs)
    except AllocationInputError as exc:
        raise NotReady([f"{exc}."]) from exc
    current = {c.area_id: c.amount for c in assessment.current_allocations.all()}
    rows = [
        ResultRow(
            area=a,
            share=exact[a],
            allocation=shares[a],
            current=current.get(a.pk),
            values=[grid[i.pk].get(a.pk) for i in indicators],
        )
        for a in areas
    ]
    return Result(pot=assessment.pot, indicators=indicators, rows=rows)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def section_heading(assessment: NeedsAssessment) -> str:
    return f"{assessment.pot_line.name} by {assessment.get_area_kind_display().lower()}"


def decision_number(assessment: NeedsAssessment) -> str:
    return f"DRAFT-NEEDS-{assessment.pk}"


def method_summary(assessment: NeedsAssessment, result: Result) -> str:
    weights = "; ".join(f"{i.name} weight {i.weight.normalize():f}" for i in result.indicators)
    return (
        f"A needs-based share of {format_pounds(result.pot)} ({assessment.pot_line.name}, "
        f"{assessment.pot_line.budget.year}) between {len(result.rows)} "
        f"{assessment.get_area_kind_display().lower()} areas for {assessment.target_year}. Each indicator is turned "
        f"into each area's share of its total, the shares are blended by weight ({weights}), and the pot is shared "
        f"in whole pounds by the largest remainder method, so the lines add up to exactly the pot."
    )


def _adopted_already(assessment: NeedsAssessment) -> str:
    """Why a second adoption is refused, naming when and by whom the first was (from the audit trail)."""
    event = trail_of(assessment).filter(action="needs.adopted").select_related("actor").last()
    if event is None:  # adopted before the trail recorded it
        decision = assessment.adopted_decision
        under = f" under PCC Decision {decision.number}" if decision else ""
        return f"{assessment.name} was adopted{under}; start a new needs assessment to change it."
    local = timezone.localtime(event.at)
    who = str(event.actor) if event.actor else "the system"
    return (
        f"{assessment.name} was adopted on {local.day} {local:%B %Y} by {who}; "
        f"start a new needs assessment to change it."
    )


def _pot_note(assessment: NeedsAssessment) -> str:
    return (
        f"Pot for {assessment.name} (needs assessment {assessment.pk}): its needs-based allocation adopted for "
        f"{assessment.target_year} under draft decision {decision_number(assessment)}."
    )


@transaction.atomic
def adopt(assessment: NeedsAssessment, *, by: "User | None" = None) -> Decision:
    """Write the result as the target year's area lines, under a draft PCC decision, with the pot to pay for them.

    An assessment is adopted at most once: changing the shares afterwards means a new assessment, so each decision
    has one record of the figures it adopted. The target budget gets its money one of two ways: a budget with no pot
    and no lines yet (a new year) is given the assessment's pot through funds.services.add_to_pot; a budget that
    already has money must have enough of its pot unallocated to cover what the lines add, or nothing is written.
    """
    assessment = (
        NeedsAssessment.objects.select_for_update(of=("self",))
        .select_related(
            "pot_line__budget__stream", "pot_line__budget__year", "target_year", "adopted_decision"
        )
        .get(pk=assessment.pk)
    )
    if assessment.status == NeedsAssessment.Status.ADOPTED:
        raise NeedsError(_adopted_already(assessment))
    if (assessment.status, NeedsAssessment.Status.ADOPTED) not in NeedsAssessment.TRANSITIONS:
        raise NeedsError(
            f"{assessment.name} cannot be adopted from {assessment.get_status_display().lower()}."
        )
    result = run(assessment)
    budget = funds_services.get_or_create_budget(
        stream_id=assessment.pot_line.budget.stream_id, year_id=assessment.target_year_id
    )
    # Held until the adoption commits, so no other change to this budget's lines or pot can slip in between the
    # check below and the lines it allows (funds' services take the same lock, budget before line).
    Budget.objects.select_for_update().get(pk=budget.pk)
    section = funds_services.get_or_create_section(budget_id=budget.pk, heading=section_heading(assessment))
    existing = {
        line.area_id: line
        for line in BudgetLine.objects.filter(budget=budget, section=section, kind=BudgetLine.Kind.AREA)
    }
    _fund_the_pot(assessment, result, budget=budget, replacing=existing, by=by)
    lines = []
    for order, row in enumerate(result.rows, start=1):
        line = existing.get(row.area.pk) or BudgetLine(
            budget=budget, section=section, kind=BudgetLine.Kind.AREA, area=row.area
        )
        line.name, line.amount, line.order = row.area.name, Decimal(row.allocation), order
        line.illustrative = assessment.illustrative
        lines.append(funds_services.save_line(line=line, by=by))
    decision = funds_services.record_decision(
        number=decision_number(assessment),
        title=f"{assessment.name}: adopt needs-based allocation for {assessment.target_year}"[:250],
        status=Decision.Status.DRAFT,
        public_summary=method_summary(assessment, result),
        budget_ids=[budget.pk],
        line_ids=[line.pk for line in lines],
    )
    before = {"status": assessment.status, "decision": assessment.adopted_decision_id}
    assessment.status, assessment.adopted_decision = NeedsAssessment.Status.ADOPTED, decision
    assessment.save(update_fields=["status", "adopted_decision"])
    record_event(
        "needs.adopted",
        obj=assessment,
        by=by,
        before=before,
        after={
            "status": assessment.status,
            "decision": decision.number,
            "budget": budget.pk,
            "lines": {row.area.name: row.allocation for row in result.rows},
        },
    )
    return decision


def _fund_the_pot(
    assessment: NeedsAssessment,
    result: Result,
    *,
    budget: Budget,
    replacing: dict[int | None, BudgetLine],
    by: "User | None",
) -> None:
    """Give a new, empty budget the assessment's pot; refuse an existing budget whose unallocated pot is too small
    for what the lines add (an area line the adoption replaces gives its old amount back first)."""
    totals = funds_selectors.budget_totals(budget.pk)
    if totals.pot == 0 and totals.allocated == 0:
        funds_services.add_to_pot(
            budget_id=budget.pk, amount=Decimal(result.total), note=_pot_note(assessment), by=by
        )
        return
    replaced = {r.area.pk for r in result.rows}
    adds = Decimal(result.total) - sum(
        (line.amount for area_id, line in replacing.items() if area_id in replaced), Decimal(0)
    )
    allocated = totals.allocated + adds
    if allocated > totals.pot:
        raise NeedsError(
            f"Adopting {assessment.name} would allocate {format_pounds(allocated)} of the {budget} pot of "
            f"{format_pounds(totals.pot)}, which is {format_pounds(allocated - totals.pot)} more than it holds. "
            f"Add to the pot first, or adopt into a year whose budget has no pot yet."
        )
