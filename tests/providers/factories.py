import datetime

import factory

from providers import ready_templates
from providers.models import (
    MonitoringReturn,
    MonitoringTemplate,
    Provider,
    ProviderMembership,
    ReportingPeriod,
    Service,
)
from tests.factories import FinancialYearFactory, UserFactory


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n}")
    contact_email = factory.Sequence(lambda n: f"office{n}@provider.example")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMembership

    provider = factory.SubFactory(ProviderFactory)
    user = factory.SubFactory(UserFactory)
    role = ProviderMembership.Role.CONTRIBUTOR


def victims_template() -> MonitoringTemplate:
    return ready_templates.install()[ready_templates.VICTIMS_SERVICES]


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    theme = "Domestic Abuse (DA)"
    start_year = factory.SubFactory(FinancialYearFactory)
    end_year = factory.SelfAttribute("start_year")
    template = factory.LazyFunction(victims_template)


class PeriodFactory(factory.django.DjangoModelFactory):
    """A period due on `due_on` (default: the real Q1 2024/25 dates)."""

    class Meta:
        model = ReportingPeriod

    template = factory.LazyFunction(victims_template)
    year = factory.SubFactory(FinancialYearFactory)
    label = "Q1 2024/25"
    starts_on = datetime.date(2024, 4, 1)
    ends_on = datetime.date(2024, 6, 30)
    window_opens_on = datetime.date(2024, 7, 1)
    due_on = datetime.date(2024, 7, 22)


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonitoringReturn

    service = factory.SubFactory(ServiceFactory)
    period = factory.SubFactory(PeriodFactory, template=factory.SelfAttribute("..service.template"))
