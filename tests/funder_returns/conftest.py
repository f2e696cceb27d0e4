"""A small world for funder returns: one victims' stream in 2024/25, three services on the victims' template (two of
them domestic abuse), their Q1–Q3 returns and payments, the staff who prepare and sign off, and a half-yearly
template asking for a measure, a breakdown option, spend and services."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from funder_returns.models import ReturnQuestion, ReturnSection, ReturnTemplate
from funds import services as funds
from providers import ready_templates
from providers import services as provider_services
from providers.models import (
    BreakdownOption,
    Measure,
    MonitoringReturn,
    ReturnBreakdownValue,
    ReturnValue,
)
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    FinancialYearFactory,
    FundingStreamFactory,
    UserFactory,
)
from tests.providers.factories import PeriodFactory, ProviderFactory, ServiceFactory

Q = ReturnQuestion.Source
ACCEPTED = MonitoringReturn.Status.ACCEPTED


def person(role: str | None, email: str):
    user = UserFactory(is_staff=True, email=email, full_name=email.split("@")[0].title())
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@dataclass
class World:
    year: object
    stream: object
    other_stream: object
    victims: object  # the monitoring template
    periods: list  # Q1, Q2, Q3
    services: dict  # name -> Service
    fundings: dict  # name -> ServiceFunding
    template: ReturnTemplate
    questions: dict  # key -> ReturnQuestion
    commissioner: object
    finance: object
    cfo: object
    auditor: object

    def measure(self, code: str) -> Measure:
        return Measure.objects.get(template=self.victims, code=code)

    def option(self, dimension: str, code: str) -> BreakdownOption:
        return BreakdownOption.objects.get(
            breakdown__measure__template=self.victims,
            breakdown__measure__code="new_victims",
            breakdown__dimension=dimension,
            code=code,
        )

    def accepted(
        self, service: str, quarter: int, figures: dict, options: dict | None = None, status=ACCEPTED
    ):
        """A return with these figures (measure code -> number) and option counts ((dimension, code) -> count)."""
        ret = MonitoringReturn.objects.create(
            service=self.services[service], period=self.periods[quarter - 1], status=status
        )
        for code, number in figures.items():
            ReturnValue.objects.create(
                monitoring_return=ret, measure=self.measure(code), number=Decimal(number)
            )
        for (dimension, code), count in (options or {}).items():
            ReturnBreakdownValue.objects.create(
                monitoring_return=ret, option=self.option(dimension, code), count=count
            )
        return ret

    def pay(self, service: str, amount: str, paid_on: datetime.date, reference: str = "PR"):
        return funds.record_payment(
            commitment_id=self.fundings[service].commitment_id,
            amount=Decimal(amount),
            paid_on=paid_on,
            reference=reference,
            by=None,
        )


QUARTERS = [
    ("Q1 2024/25", datetime.date(2024, 4, 1), datetime.date(2024, 6, 30)),
    ("Q2 2024/25", datetime.date(2024, 7, 1), datetime.date(2024, 9, 30)),
    ("Q3 2024/25", datetime.date(2024, 10, 1), datetime.date(2024, 12, 31)),
]


@pytest.fixture
def world(db) -> World:
    year = FinancialYearFactory(start_year=2024)
    victims = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    periods = [
        PeriodFactory(
            template=victims,
            year=year,
            label=label,
            starts_on=start,
            ends_on=end,
            window_opens_on=end + datetime.timedelta(days=1),
            due_on=end + datetime.timedelta(days=21),
        )
        for label, start, end in QUARTERS
    ]
    stream = FundingStreamFactory(name="Victims Fund", slug="victims-fund")
    other_stream = FundingStreamFactory(name="Community Safety Fund", slug="community-safety")
    line = BudgetLineFactory(
        budget=BudgetFactory(stream=stream, year=year, pot=Decimal("500000")), amount=Decimal("400000")
    )
    other_line = BudgetLineFactory(
        budget=BudgetFactory(stream=other_stream, year=year, pot=Decimal("100000")), amount=Decimal("50000")
    )
    shapes = [
        ("Refuge", "Haven Aid", "Domestic Abuse (DA)", line, "100000"),
        ("Outreach", "Haven Aid", "Domestic Abuse (DA)", line, "60000"),
        ("Counselling", "Rape Crisis", "Sexual Violence", line, "40000"),
        ("Diversion", "Youth Trust", "Youth crime", other_line, "30000"),
    ]
    providers, services, fundings = {}, {}, {}
    for name, provider, theme, on_line, amount in shapes:
        if provider not in providers:
            providers[provider] = ProviderFactory(name=provider)
        service = ServiceFactory(
            provider=providers[provider], name=name, theme=theme, start_year=year, template=victims
        )
        services[name] = service
        fundings[name] = provider_services.fund_service(
            service=service, line_id=on_line.pk, amount=Decimal(amount), by=None
        )
    template = ReturnTemplate.objects.create(
        name="Ministry of Justice victims' services grant return",
        funder="Ministry of Justice",
        frequency=ReturnTemplate.Frequency.SIX_MONTHLY,
        monitoring_template=victims,
    )
    template.streams.set([stream])
    world = World(
        year=year,
        stream=stream,
        other_stream=other_stream,
        victims=victims,
        periods=periods,
        services=services,
        fundings=fundings,
        template=template,
        questions={},
        commissioner=person(roles.COMMISSIONING_OFFICER, "commissioner@opcc.example"),
        finance=person(roles.FINANCE_OFFICER, "finance@opcc.example"),
        cfo=person(roles.CHIEF_FINANCE_OFFICER, "cfo@opcc.example"),
        auditor=person(roles.READ_ONLY, "auditor@opcc.example"),
    )
    spend = ReturnSection.objects.create(template=template, heading="Spend", order=1)
    victims_section = ReturnSection.objects.create(template=template, heading="Victims supported", order=2)
    by_crime = ReturnSection.objects.create(template=template, heading="By crime type", order=3)
    outcomes = ReturnSection.objects.create(template=template, heading="Outcomes", order=4)
    asks = {
        "spend": (spend, "Total spend", Q.SPEND, {}),
        "spend_da": (spend, "Domestic abuse", Q.SPEND, {"theme": "domestic abuse (DA)"}),
        "services": (spend, "Services funded", Q.SERVICES, {}),
        "new_victims": (victims_section, "New victims", Q.MEASURE, {"measure": world.measure("new_victims")}),
        "new_victims_da": (
            victims_section,
            "New victims of domestic abuse services",
            Q.MEASURE,
            {"measure": world.measure("new_victims"), "theme": "Domestic Abuse (DA)"},
        ),
        "domestic_abuse": (
            by_crime,
            "Domestic abuse",
            Q.OPTION,
            {"option": world.option("crime_type", "domestic_abuse")},
        ),
        "pct": (
            outcomes,
            "Helped to cope and recover (%)",
            Q.MEASURE,
            {"measure": world.measure("cope_and_recover_pct")},
        ),
    }
    for order, (key, (section, label, source, where)) in enumerate(asks.items(), start=1):
        world.questions[key] = ReturnQuestion.objects.create(
            section=section, label=label, order=order, source=source, **where
        )
    return world
