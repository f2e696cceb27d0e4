"""Working out, saving and adopting a needs assessment against the real funds tables."""

from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from funds.models import Budget, BudgetEntry, BudgetLine, Decision, FinancialYear
from funds.selectors import budget_totals
from funds.services import BudgetRuleError, commit_to_line
from needs import services
from needs.models import Indicator, IndicatorValue, NeedsAssessment

pytestmark = pytest.mark.django_db


def test_the_demo_idva_assessment_shares_675814_exactly_between_the_seven_local_authorities(idva):
    result = services.run(idva)
    assert [r.area.name for r in result.rows] == [
        "Birmingham",
        "Coventry",
        "Dudley",
        "Sandwell",
        "Solihull",
        "Walsall",
        "Wolverhampton",
    ]
    assert result.total == 675814
    assert result.pot == Decimal("675814.00")
    assert sum(r.share for r in result.rows) == 1


def test_each_row_shows_the_difference_from_the_current_allocation(idva):
    result = services.run(idva)
    for row in result.rows:
        assert row.difference == Decimal(row.allocation) - row.current
    assert result.current_total == Decimal("675814")
    assert result.difference_total == 0  # same pot, redistributed


def test_a_missing_figure_stops_the_calculation_and_says_which(idva):
    IndicatorValue.objects.filter(indicator__name="MARAC referrals", area__name="Dudley").delete()
    with pytest.raises(services.NotReady) as exc:
        services.run(idva)
    assert exc.value.problems == ["Enter MARAC referrals for Dudley."]


def test_creating_an_assessment_copies_the_pot_and_targets_the_next_year(demo_data, staff_user):
    line = BudgetLine.objects.get(name="IDVA's", budget__year__start_year=2024)
    assessment = services.create_assessment(name="IDVA 2025/26", pot_line=line, by=staff_user)
    assert assessment.pot == Decimal("675814.00")
    assert assessment.target_year.start_year == 2025
    assert AuditEvent.objects.filter(
        action="needs.created", object_id=assessment.pk, actor=staff_user
    ).exists()


def test_current_allocations_are_prefilled_from_the_pot_budgets_area_lines(demo_data):
    # The Helping Communities Fund shares its 2024/25 budget between LPAs, so those lines are what each area gets now.
    line = BudgetLine.objects.get(name="LPA Reserve", budget__year__start_year=2024)
    assessment = services.create_assessment(name="HCF", pot_line=line, area_kind="lpa")
    current = {c.area.name: c.amount for c in assessment.current_allocations.select_related("area")}
    expected = {
        line.area.name: line.amount for line in BudgetLine.objects.filter(budget=line.budget, kind="area")
    }
    assert current == expected and len(current) == 7


def test_adopting_writes_one_area_line_each_under_a_draft_decision(idva, staff_user):
    decision = services.adopt(idva, by=staff_user)
    idva.refresh_from_db()
    budget = Budget.objects.get(stream__slug="idva-isva", year__start_year=2025)
    lines = BudgetLine.objects.filter(budget=budget).select_related("section", "area")
    result = services.run(idva)
    assert {line.area.name: line.amount for line in lines} == {
        r.area.name: Decimal(r.allocation) for r in result.rows
    }
    assert sum(line.amount for line in lines) == Decimal("675814")
    assert {line.section.heading for line in lines} == {"IDVA's by local authority"}
    assert all(line.kind == BudgetLine.Kind.AREA and line.illustrative for line in lines)
    assert decision.status == Decision.Status.DRAFT
    assert decision.number == f"DRAFT-NEEDS-{idva.pk}"
    assert decision.title == "IDVA redistribution 2025/26: adopt needs-based allocation for 2025/26"
    assert "Female population weight 0.4" in decision.public_summary
    assert set(decision.lines.all()) == set(lines) and list(decision.budgets.all()) == [budget]
    assert idva.status == NeedsAssessment.Status.ADOPTED and idva.adopted_decision == decision
    # Every line went through funds.services.save_line, which audits; and the adoption is audited itself.
    assert AuditEvent.objects.filter(action="line.saved", actor=staff_user).count() == 7
    adopted = AuditEvent.objects.get(action="needs.adopted", object_id=idva.pk)
    assert adopted.before["status"] == "draft" and adopted.after["decision"] == decision.number


def test_adopting_into_a_new_year_gives_its_budget_the_assessments_pot(idva, staff_user):
    # The bug in issue 12: the 2025/26 budget was made with a £0 pot and over-allocated by £675,814.
    services.adopt(idva, by=staff_user)
    budget = Budget.objects.get(stream__slug="idva-isva", year__start_year=2025)
    totals = budget_totals(budget.pk)
    assert totals.pot == totals.allocated == Decimal("675814")
    entry = budget.entries.get()
    assert entry.amount == Decimal("675814") and entry.created_by == staff_user
    assert idva.name in entry.note and f"DRAFT-NEEDS-{idva.pk}" in entry.note
    pot_changed = AuditEvent.objects.get(action="budget.pot_changed", object_id=budget.pk)
    assert pot_changed.actor == staff_user and pot_changed.after["pot"] == "675814.00"


def test_an_assessment_is_adopted_at_most_once(idva, staff_user):
    services.adopt(idva, by=staff_user)
    before = snapshot_of_2025()
    Indicator.objects.filter(assessment=idva, name="Female population").update(weight=Decimal("0.8"))
    today = timezone.localdate()
    with pytest.raises(services.NeedsError) as refused:
        services.adopt(idva, by=staff_user)
    assert str(refused.value) == (
        f"IDVA redistribution 2025/26 was adopted on {today.day} {today:%B %Y} by {staff_user}; "
        "start a new needs assessment to change it."
    )
    assert snapshot_of_2025() == before
    assert AuditEvent.objects.filter(action="needs.adopted").count() == 1


def test_an_adopted_assessments_figures_no_longer_change(idva, staff_user):
    services.adopt(idva, by=staff_user)
    with pytest.raises(services.NeedsError, match="start a new needs assessment"):
        services.save_inputs(assessment=idva, pot=Decimal("1"), by=staff_user)
    idva.refresh_from_db()
    assert idva.pot == Decimal("675814")


def snapshot_of_2025():
    budget = Budget.objects.get(stream__slug="idva-isva", year__start_year=2025)
    return (
        budget_totals(budget.pk),
        sorted(budget.lines.values_list("area__name", "amount")),
        list(Decision.objects.values_list("number", "status")),
    )


def second_assessment():
    """A new assessment of the same pot with the same figures, as staff would start one to change the shares."""
    from needs import demo

    NeedsAssessment.objects.filter(name=demo.NAME).update(name=f"{demo.NAME} (first)")
    return demo.load()


def test_a_new_assessment_adopts_into_an_existing_budget_whose_pot_covers_it_without_adding_money(
    idva, staff_user
):
    services.adopt(idva, by=staff_user)
    budget = Budget.objects.get(stream__slug="idva-isva", year__start_year=2025)
    second = second_assessment()
    IndicatorValue.objects.filter(indicator__assessment=second, area__name="Solihull").update(
        value=Decimal("1")
    )
    services.adopt(second, by=staff_user)
    totals = budget_totals(budget.pk)
    assert totals.pot == totals.allocated == Decimal("675814")  # the same area lines, shared out again
    assert budget.entries.count() == 1  # no second pot
    assert NeedsAssessment.objects.get(pk=second.pk).status == NeedsAssessment.Status.ADOPTED


def test_an_existing_budget_whose_pot_is_too_small_is_refused_saying_by_how_much(demo_data, staff_user):
    from needs import demo

    assessment = demo.load()
    year = FinancialYear.objects.get_or_create(start_year=2025)[0]
    budget = Budget.objects.create(stream=assessment.pot_line.budget.stream, year=year)
    BudgetEntry.objects.create(budget=budget, kind=BudgetEntry.Kind.ALLOCATION, amount=Decimal("600000"))
    BudgetLine.objects.create(
        budget=budget, kind=BudgetLine.Kind.PRIORITY, name="Training", amount=Decimal("100")
    )
    with pytest.raises(services.NeedsError) as refused:
        services.adopt(assessment, by=staff_user)
    assert str(refused.value) == (
        "Adopting IDVA redistribution 2025/26 would allocate £675,914 of the IDVA/ISVA 2025/26 pot of £600,000, "
        "which is £75,914 more than it holds. Add to the pot first, or adopt into a year whose budget has no pot yet."
    )
    assert budget_totals(budget.pk).allocated == Decimal("100")
    assert NeedsAssessment.objects.get(pk=assessment.pk).status == NeedsAssessment.Status.DRAFT


def test_adopting_cannot_take_a_line_below_what_is_already_committed(idva, staff_user):
    services.adopt(idva, by=staff_user)
    budget = Budget.objects.get(stream__slug="idva-isva", year__start_year=2025)
    solihull = BudgetLine.objects.get(budget=budget, area__name="Solihull")
    commit_to_line(line_id=solihull.pk, amount=solihull.amount, reference="IDVA contract")
    second = second_assessment()
    IndicatorValue.objects.filter(indicator__assessment=second, area__name="Solihull").update(
        value=Decimal("1")
    )
    with pytest.raises(BudgetRuleError, match=r"Solihull has .* committed"):
        services.adopt(second, by=staff_user)
    solihull.refresh_from_db()
    assert (
        solihull.amount == solihull.commitments.get().amount
    )  # nothing changed: the whole adoption rolled back


def test_demand_is_taken_from_returns_where_recorded_and_kept_where_entered(idva, monkeypatch):
    # The providers app owns monitoring returns; its selector is replaced here so this test does not depend on it.
    coventry = IndicatorValue.objects.get(indicator__name="Recorded demand", area__name="Coventry").area
    calls = []

    def recorded_demand_by_area(*, year, measure_code, stream_slug=None):
        calls.append((year.start_year, measure_code, stream_slug))
        return {coventry.pk: Decimal("777")}

    monkeypatch.setattr(services, "_demand_selector", lambda: recorded_demand_by_area)
    indicator = idva.indicators.get(name="Recorded demand")
    assert services.fill_from_returns(indicator) == 1
    assert calls == [(2024, "caseload", "idva-isva")]
    values = {v.area.name: (v.value, v.source) for v in indicator.values.select_related("area")}
    assert values["Coventry"] == (Decimal("777.00"), "returns")
    assert values["Dudley"] == (Decimal("450.00"), "entered")


def test_filling_from_returns_says_so_when_no_returns_are_available(idva, monkeypatch):
    monkeypatch.setattr(services, "_demand_selector", lambda: None)
    with pytest.raises(services.NeedsError, match="enter the demand figures by hand"):
        services.fill_from_returns(idva.indicators.get(name="Recorded demand"))


def test_a_changed_figure_from_returns_becomes_an_entered_one(idva):
    indicator = idva.indicators.get(name="Recorded demand")
    value = indicator.values.first()
    IndicatorValue.objects.filter(pk=value.pk).update(source="returns")
    services.save_inputs(assessment=idva, values={(indicator.pk, value.area_id): Decimal("999")})
    value.refresh_from_db()
    assert (value.value, value.source) == (Decimal("999"), "entered")


def test_loading_the_demo_twice_changes_nothing(idva):
    from needs import demo

    counts = (NeedsAssessment.objects.count(), Indicator.objects.count(), IndicatorValue.objects.count())
    assert demo.load().pk == idva.pk
    assert (
        NeedsAssessment.objects.count(),
        Indicator.objects.count(),
        IndicatorValue.objects.count(),
    ) == counts
    assert counts == (1, 3, 21)
