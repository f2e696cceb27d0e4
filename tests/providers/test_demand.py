from decimal import Decimal

import pytest

from funds.models import Area
from providers import ready_templates, selectors, services
from providers.models import MonitoringReturn
from tests.factories import (
    AreaFactory,
    BudgetFactory,
    BudgetLineFactory,
    FinancialYearFactory,
    FundingStreamFactory,
)
from tests.providers.factories import PeriodFactory, ServiceFactory

S = MonitoringReturn.Status


@pytest.fixture
def las(db):
    return [
        AreaFactory(name=name, kind=Area.Kind.LOCAL_AUTHORITY) for name in ("Coventry", "Dudley", "Walsall")
    ]


@pytest.fixture
def idva(las):
    # Installed after the areas exist, so caseload has a breakdown by local authority.
    return ready_templates.install()[ready_templates.IDVA_ISVA]


def put(service, period, *, status=S.ACCEPTED, **figures):
    """A return with the given figures (measure code -> number, or ("area", {area: count}) for caseload by area)."""
    from providers.models import BreakdownOption, Measure, ReturnBreakdownValue, ReturnValue

    ret = MonitoringReturn.objects.create(service=service, period=period, status=status)
    for code, value in figures.items():
        if isinstance(value, dict):
            for area, count in value.items():
                option = BreakdownOption.objects.get(
                    breakdown__measure__code=code,
                    breakdown__dimension="area",
                    area=area,
                    breakdown__measure__template=period.template,
                )
                ReturnBreakdownValue.objects.create(monitoring_return=ret, option=option, count=count)
            continue
        ReturnValue.objects.create(
            monitoring_return=ret,
            number=Decimal(value),
            measure=Measure.objects.get(template=period.template, code=code),
        )
    return ret


def test_demand_takes_the_area_breakdown_when_the_return_has_one(idva, las):
    coventry, dudley, walsall = las
    period = PeriodFactory(template=idva, year=FinancialYearFactory(start_year=2024))
    service = ServiceFactory(template=idva)
    service.areas.set(las)
    put(service, period, caseload={coventry: 30, dudley: 10, walsall: 0})
    q2 = services.create_periods(template=idva, year=period.year)[1]
    put(service, q2, caseload={dudley: 5})
    demand = selectors.recorded_demand_by_area(year=period.year, measure_code="caseload")
    assert demand == {coventry.pk: Decimal(30), dudley.pk: Decimal(15), walsall.pk: Decimal(0)}


def test_without_a_breakdown_a_figure_is_shared_evenly_between_the_areas_covered_to_the_penny(idva, las):
    coventry, dudley, walsall = las
    period = PeriodFactory(template=idva, year=FinancialYearFactory(start_year=2024))
    service = ServiceFactory(template=idva)
    service.areas.set(las)
    put(service, period, marac_referrals=100)
    demand = selectors.recorded_demand_by_area(year=2024, measure_code="marac_referrals")
    assert demand == {
        coventry.pk: Decimal("33.34"),
        dudley.pk: Decimal("33.33"),
        walsall.pk: Decimal("33.33"),
    }
    assert sum(demand.values()) == 100


def test_only_submitted_and_accepted_returns_of_the_year_count(idva, las):
    coventry = las[0]
    period = PeriodFactory(template=idva, year=FinancialYearFactory(start_year=2024))
    later = services.create_periods(template=idva, year=FinancialYearFactory(start_year=2025))[0]
    services_ = [ServiceFactory(template=idva) for _ in range(4)]
    for s in services_:
        s.areas.set([coventry])
    put(services_[0], period, status=S.SUBMITTED, marac_referrals=4)
    put(services_[1], period, status=S.DRAFT, marac_referrals=50)
    put(services_[2], period, status=S.CHANGES_REQUESTED, marac_referrals=50)
    put(services_[3], later, marac_referrals=50)
    assert selectors.recorded_demand_by_area(year=2024, measure_code="marac_referrals") == {
        coventry.pk: Decimal(4)
    }


def test_a_stream_keeps_only_services_funded_from_it(idva, las):
    coventry = las[0]
    period = PeriodFactory(template=idva, year=FinancialYearFactory(start_year=2024))
    stream = FundingStreamFactory(slug="idva-isva-test")
    line = BudgetLineFactory(
        budget=BudgetFactory(stream=stream, year=period.year, pot=Decimal(50000)), amount=Decimal(50000)
    )
    funded, other = ServiceFactory(template=idva), ServiceFactory(template=idva)
    services.fund_service(service=funded, line_id=line.pk, amount=Decimal(20000))
    for s in (funded, other):
        s.areas.set([coventry])
        put(s, period, marac_referrals=7)
    assert selectors.recorded_demand_by_area(
        year=2024, measure_code="marac_referrals", stream_slug="idva-isva-test"
    ) == {coventry.pk: Decimal(7)}
