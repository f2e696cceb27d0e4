"""Needs takes recorded demand from the real providers selector: no stand-in, so a broken link between the two apps
(a renamed or misspelt selector) fails here instead of quietly telling staff returns are unavailable."""

from decimal import Decimal

import pytest

from needs import services
from needs.models import IndicatorValue
from providers import ready_templates
from providers import services as provider_services
from providers.models import MonitoringReturn
from tests.providers.factories import ServiceFactory
from tests.providers.test_demand import put

pytestmark = pytest.mark.django_db


def test_demand_comes_from_accepted_returns_of_services_funded_from_the_pot_lines_stream(idva):
    indicator = idva.indicators.get(name="Recorded demand")
    budget = idva.pot_line.budget
    values = {v.area.name: v for v in indicator.values.select_related("area")}
    coventry = values["Coventry"].area
    template = ready_templates.install()[ready_templates.IDVA_ISVA]
    period, q2 = provider_services.create_periods(template=template, year=budget.year)[:2]

    funded = ServiceFactory(template=template, name="Funded IDVA service")
    provider_services.fund_service(service=funded, line_id=idva.pot_line_id, amount=Decimal("1"))
    put(funded, period, caseload={coventry: 321})
    unfunded = ServiceFactory(template=template, name="Service funded from elsewhere")
    put(unfunded, period, caseload={coventry: 5000})
    put(funded, q2, status=MonitoringReturn.Status.DRAFT, caseload={coventry: 7000})  # not yet submitted

    assert services.fill_from_returns(indicator) == 1
    values = {v.area.name: (v.value, v.source) for v in indicator.values.select_related("area")}
    assert values["Coventry"] == (Decimal("321.00"), IndicatorValue.Source.RETURNS)
    assert values["Dudley"] == (Decimal("450.00"), IndicatorValue.Source.ENTERED)
