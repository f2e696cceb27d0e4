from dataclasses import dataclass

import pytest

from providers import ready_templates, services
from providers.models import MonitoringReturn, ProviderMembership, Service
from tests.factories import FinancialYearFactory, UserFactory
from tests.providers.factories import MembershipFactory, PeriodFactory, ProviderFactory, ServiceFactory

SIGNATORY = ProviderMembership.Role.SIGNATORY


@dataclass
class Side:
    """One provider with a preparer and a signatory, one service and its Q1 2024/25 return."""

    provider: object
    preparer: object
    signatory: object
    service: Service
    ret: MonitoringReturn


def make_side(name: str, period) -> Side:
    provider = ProviderFactory(name=name)
    preparer = UserFactory(email=f"preparer@{name.lower().replace(' ', '-')}.example")
    signatory = UserFactory(email=f"signatory@{name.lower().replace(' ', '-')}.example")
    MembershipFactory(provider=provider, user=preparer)
    MembershipFactory(provider=provider, user=signatory, role=SIGNATORY)
    service = ServiceFactory(provider=provider, name=f"{name} victims service", template=period.template)
    ret = MonitoringReturn.objects.create(service=service, period=period)
    return Side(provider, preparer, signatory, service, ret)


@pytest.fixture
def templates(db):
    return ready_templates.install()


@pytest.fixture
def period(templates):
    return PeriodFactory(
        template=templates[ready_templates.VICTIMS_SERVICES], year=FinancialYearFactory(start_year=2024)
    )


@pytest.fixture
def side_a(period):
    return make_side("Provider A", period)


@pytest.fixture
def side_b(period):
    return make_side("Provider B", period)


@pytest.fixture
def reviewer(db):
    return UserFactory(email="reviewer@opcc.example", is_staff=True, is_superuser=True)


def plain_percentage(template):
    """A percentage the provider types (the template's own is worked out from its parts), asked only if given."""
    from providers.models import Measure

    return Measure.objects.get_or_create(
        template=template,
        code="felt_safer_pct",
        defaults={"label": "Victims who felt safer (%)", "kind": Measure.Kind.PERCENTAGE, "required": False},
    )[0]


def complete_figures(new_victims: int = 45) -> dict[str, str]:
    """POST data for a complete, consistent victims' services return."""
    template = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    data = {
        "m_new_victims": str(new_victims),
        "m_existing_victims": "120",
        "m_referrals_received": "60",
        "m_reported_to_police": "38",
        "m_cases_closed": "40",
        "m_cope_and_recover": "31",
        "m_onward_referrals": "12",
        "m_mental_health_referrals": "7",
        "m_spend": "12,500.00",
        "m_notes": "",
    }
    for measure in template.measures.prefetch_related("breakdowns__options"):
        for breakdown in measure.breakdowns.all():
            options = list(breakdown.options.all())
            for i, option in enumerate(options):
                name = f"b_{measure.code}__{breakdown.dimension}__{option.code}"
                data[name] = str(new_victims - (len(options) - 1)) if i == 0 else "1"
    return data


def fill_and_send(side: Side, data=None) -> MonitoringReturn:
    from providers.forms import ReturnForm

    measures = services.template_measures(side.ret.period.template_id)
    form = ReturnForm(data or complete_figures(), measures=measures, complete=True)
    assert form.is_valid(), form.errors
    services.save_figures(
        return_id=side.ret.pk, values=form.values, option_counts=form.option_counts, by=side.preparer
    )
    return services.send_for_sign_off(return_id=side.ret.pk, by=side.preparer)
