"""The demo's 2022/23 year and 2024/25 Arrest Referral outputs add up to the figures the annual reports print."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from funds.models import BudgetEntry, FinancialYear, ReportTable, TransferRequest
from funds.selectors import budget_totals
from providers.models import MonitoringReturn, ReturnBreakdownValue, ReturnValue, Service
from providers.ready_templates import ARREST_REFERRAL, VICTIMS_SERVICES
from reports.report_figures import annual_figures

pytestmark = pytest.mark.django_db


def _year_totals(slug: str, start_year: int) -> dict[str, Decimal]:
    return dict(
        ReturnValue.objects.filter(
            monitoring_return__status=MonitoringReturn.Status.ACCEPTED,
            monitoring_return__period__year__start_year=start_year,
            measure__template__slug=slug,
            number__isnull=False,
        )
        .values_list("measure__code")
        .annotate(total=Sum("number"))
        .order_by()
    )


def test_2022_23_victims_supported_add_up_to_the_printed_figures(full_demo):
    totals = _year_totals(VICTIMS_SERVICES, 2022)
    assert totals["new_victims"] + totals["existing_victims"] == 89911
    assert totals["new_victims"] == 62938  # about 70% new
    assert (totals["reported_to_police"], totals["onward_referrals"], totals["mental_health_referrals"]) == (
        61471,
        5098,
        1445,
    )
    figures = annual_figures(FinancialYear.objects.get(start_year=2022))
    assert (figures.new_victims, figures.new_and_existing_victims) == (62938, 89911)
    assert figures.services == Service.objects.filter(start_year__start_year=2022).count() >= 10
    assert figures.commissioned_spend > 0

    returns = MonitoringReturn.objects.filter(period__year__start_year=2022)
    assert (
        returns.count()
        == 4 * Service.objects.filter(start_year__start_year=2022, template__isnull=False).count()
    )
    assert set(returns.values_list("status", flat=True)) == {MonitoringReturn.Status.ACCEPTED}


def test_each_2022_23_victims_return_splits_its_new_victims_by_crime_type(full_demo):
    returns = MonitoringReturn.objects.filter(
        period__year__start_year=2022, period__template__slug=VICTIMS_SERVICES
    )
    by_crime = ReturnBreakdownValue.objects.filter(
        option__breakdown__measure__code="new_victims", option__breakdown__dimension="crime_type"
    )
    for ret in returns:
        new = ret.values.get(measure__code="new_victims").number
        assert by_crime.filter(monitoring_return=ret).aggregate(s=Sum("count"))["s"] == new, ret
    assert by_crime.filter(monitoring_return__in=returns).aggregate(s=Sum("count"))["s"] == 62938


def test_2022_23_budgets_hold_the_published_pots_and_the_community_safety_top_up_as_a_transfer(full_demo):
    year = FinancialYear.objects.get(start_year=2022)
    victims = year.budgets.get(stream__slug="victims-fund")
    community_safety = year.budgets.get(stream__slug="community-safety-fund")
    moved_in = victims.entries.get(kind=BudgetEntry.Kind.TRANSFER_IN)
    moved_out = community_safety.entries.get(kind=BudgetEntry.Kind.TRANSFER_OUT)
    assert (moved_in.amount, moved_out.amount) == (Decimal("271410.00"), Decimal("-271410.00"))
    assert moved_in.transfer_reference == moved_out.transfer_reference
    assert moved_in.counterpart == community_safety and moved_in.decision is not None
    # Asked for by one person and countersigned by another, as a transfer this size must be.
    assert (
        moved_in.created_by and moved_in.countersigned_by and moved_in.created_by != moved_in.countersigned_by
    )
    assert TransferRequest.objects.get(transfer_reference=moved_in.transfer_reference).status == "approved"

    grant = victims.entries.get(kind=BudgetEntry.Kind.ALLOCATION)
    assert (grant.amount, grant.source.kind) == (Decimal("3400000.00"), "moj")
    assert budget_totals(victims.pk).pot == Decimal("3671410.00")
    idva = year.budgets.get(stream__slug="idva-isva")
    assert budget_totals(idva.pk).pot == Decimal("1669000.00")
    for budget in year.budgets.all():
        totals = budget_totals(budget.pk)
        assert totals.allocated == totals.pot, budget


def test_2022_23_tables_are_printed_with_the_reports_titles_in_its_order(full_demo):
    tables = ReportTable.objects.filter(year__start_year=2022, kind=ReportTable.Kind.BUDGET).order_by(
        "number"
    )
    assert [t.printed_title for t in tables] == [
        "Helping Communities Fund Allocations 20222/23",
        "Prevention and Intervention Fund 2022/23",
        "Victims Fund Budget 2022/23",
        "IDVA and ISVA Funding 2022/23",
        "Community Safety Fund Budget 2022-23",
    ]


def test_2024_25_victims_fund_is_topped_up_from_reserves_within_its_printed_pot(full_demo):
    victims = FinancialYear.objects.get(start_year=2024).budgets.get(stream__slug="victims-fund")
    top_up = victims.entries.get(kind=BudgetEntry.Kind.TOP_UP)
    assert top_up.source.kind == "reserves" and top_up.decision is not None
    assert budget_totals(victims.pk).pot == Decimal("3775558.00")


def test_2024_25_arrest_referral_outputs_add_up_to_the_printed_figures(full_demo):
    service = Service.objects.get(provider__name="Cranstoun")
    assert service.template.slug == ARREST_REFERRAL
    returns = service.returns.filter(period__year__start_year=2024)
    assert sorted(returns.values_list("status", flat=True)) == [MonitoringReturn.Status.ACCEPTED] * 4
    totals = _year_totals(ARREST_REFERRAL, 2024)
    assert {code: int(n) for code, n in totals.items()} == {
        "required_assessments": 2470,
        "voluntary_assessments": 1195,
        "court_assessments": 450,
        "total_assessments": 4115,
        "contacts_interventions": 14376,
        "drrs_granted": 235,
        "atrs_granted": 126,
        "treatment_referrals": 2224,
    }
    for ret in returns:
        figures = dict(ret.values.values_list("measure__code", "number"))
        assert figures["total_assessments"] == sum(
            figures[code] for code in ("required_assessments", "voluntary_assessments", "court_assessments")
        )
