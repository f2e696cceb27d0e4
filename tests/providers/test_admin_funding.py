"""Commissioning end to end in the admin: fund a service from a line, release it, and open a year's returns."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from funds.models import Commitment
from funds.selectors import line_committed
from funds.services import record_payment
from providers import services
from providers.models import MonitoringReturn, ReportingPeriod, ServiceFunding
from tests.concurrency import race, refused
from tests.factories import BudgetLineFactory, FinancialYearFactory
from tests.providers.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return ServiceFactory(name="Sanctuary scheme", start_year=FinancialYearFactory(start_year=2024))


@pytest.fixture
def line(db):
    return BudgetLineFactory(name="Birmingham", amount=Decimal("10000.00"))


def fund_url(service):
    return reverse("admin:providers_service_fund", args=[service.pk])


def test_the_service_page_links_to_funding_and_the_form_shows_what_each_line_has_left(
    staff_client, service, line
):
    services.fund_service(service=service, line_id=line.pk, amount=Decimal("2500"))
    page = staff_client.get(reverse("admin:providers_service_change", args=[service.pk])).content.decode()
    assert fund_url(service) in page and "Fund this service from a budget line" in page
    form = staff_client.get(fund_url(service)).content.decode()
    assert f"{line.budget.stream} 2024/25: Birmingham (£7,500 left)" in form


def test_lines_outside_the_service_years_are_not_offered(staff_client, service, line):
    later = BudgetLineFactory(name="Later line", budget__year=FinancialYearFactory(start_year=2026))
    response = staff_client.post(fund_url(service), {"line": later.pk, "amount": "100"})
    assert "Choose a budget line from the list" in response.content.decode()
    assert "Later line" not in staff_client.get(fund_url(service)).content.decode()


def test_funding_a_service_commits_the_money_on_the_line(staff_client, staff_user, service, line):
    response = staff_client.post(fund_url(service), {"line": line.pk, "amount": "£4,250.50"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:providers_service_change", args=[service.pk])
    assert "Sanctuary scheme is funded with £4,250.50 from Birmingham" in response.content.decode()
    funding = ServiceFunding.objects.get(service=service)
    assert (funding.line, funding.amount, funding.commitment.amount) == (
        line,
        Decimal("4250.50"),
        Decimal("4250.50"),
    )
    assert line_committed(line.pk) == Decimal("4250.50")
    assert AuditEvent.objects.get(action="commitment.created").actor == staff_user
    line_page = staff_client.get(reverse("admin:funds_budgetline_change", args=[line.pk])).content.decode()
    assert "£4,250.50" in line_page and "£5,749.50" in line_page


def test_funding_more_than_the_line_has_left_is_refused_with_what_remains_and_nothing_is_written(
    staff_client, service, line
):
    services.fund_service(service=ServiceFactory(), line_id=line.pk, amount=Decimal("9000"))
    response = staff_client.post(fund_url(service), {"line": line.pk, "amount": "1,500"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        f"Birmingham ({line.budget}) has £1,000 left to commit, which is £500 less than the £1,500 needed."
    ]
    assert not service.fundings.exists()
    assert Commitment.objects.count() == 1 and line_committed(line.pk) == Decimal("9000")


IN_POUNDS = "Enter an amount in pounds, like 1,250 or 1250.50"


@pytest.mark.parametrize(
    "typed, message",
    [
        ("74, 626", IN_POUNDS),
        ("12k", f"{IN_POUNDS}, in full, not abbreviated like 12k"),
        ("£1.2k", f"{IN_POUNDS}, in full, not abbreviated like 12k"),
        ("-500", "Enter an amount of 0 or more, without a minus sign"),
        ("0", "Enter an amount greater than 0"),
    ],
)
def test_a_malformed_amount_gets_a_clear_message_and_nothing_is_written(
    staff_client, service, line, typed, message
):
    response = staff_client.post(fund_url(service), {"line": line.pk, "amount": typed})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert not Commitment.objects.exists()


def test_a_missing_line_and_amount_are_asked_for(staff_client, service):
    errors = staff_client.post(fund_url(service), {}).context["form"].errors
    assert errors == {
        "line": ["Choose the budget line to fund the service from"],
        "amount": ["Enter the amount to commit to the service"],
    }


def test_funding_the_same_service_from_the_same_line_twice_is_refused_clearly(staff_client, service, line):
    services.fund_service(service=service, line_id=line.pk, amount=Decimal("1000"))
    response = staff_client.post(fund_url(service), {"line": line.pk, "amount": "500"})
    assert response.context["form"].errors["amount"] == [
        "Sanctuary scheme is already funded from Birmingham. Release that funding first if the amount needs to change."
    ]
    assert line_committed(line.pk) == Decimal("1000")


def test_an_unknown_service_is_a_404(staff_client):
    assert staff_client.get(reverse("admin:providers_service_fund", args=[999999])).status_code == 404


def test_releasing_funding_gives_the_money_back_and_is_audited(staff_client, staff_user, service, line):
    funding = services.fund_service(service=service, line_id=line.pk, amount=Decimal("3000"))
    release_url = reverse("admin:providers_service_release_funding", args=[service.pk, funding.pk])
    assert (
        release_url
        in staff_client.get(reverse("admin:providers_service_change", args=[service.pk])).content.decode()
    )

    refused = staff_client.post(release_url, {"reason": ""})
    assert refused.context["form"].errors["reason"] == ["Say why the funding is being released"]
    assert line_committed(line.pk) == Decimal("3000")

    response = staff_client.post(release_url, {"reason": "Contract ended early"}, follow=True)
    assert "£3,000 is back on Birmingham" in response.content.decode()
    assert line_committed(line.pk) == Decimal("0")
    assert not service.fundings.exists()
    assert Commitment.objects.get(pk=funding.commitment_id).released_at is not None
    events = {
        e.action: e
        for e in AuditEvent.objects.filter(action__in=["commitment.released", "service_funding.released"])
    }
    assert {e.actor for e in events.values()} == {staff_user}
    assert events["service_funding.released"].before["amount"] == "3000.00"
    assert events["service_funding.released"].note == "Contract ended early"
    # The line can fund the service again.
    staff_client.post(fund_url(service), {"line": line.pk, "amount": "2000"})
    assert line_committed(line.pk) == Decimal("2000")


def test_funding_with_payments_against_it_cannot_be_released(staff_client, service, line):
    import datetime

    funding = services.fund_service(service=service, line_id=line.pk, amount=Decimal("3000"))
    record_payment(
        commitment_id=funding.commitment_id, amount=Decimal("750"), paid_on=datetime.date(2024, 7, 1)
    )
    response = staff_client.post(
        reverse("admin:providers_service_release_funding", args=[service.pk, funding.pk]),
        {"reason": "Wrong line"},
    )
    assert response.status_code == 200
    assert "This commitment has payments against it, so it cannot be released." in response.content.decode()
    assert service.fundings.exists() and line_committed(line.pk) == Decimal("3000")


def test_another_services_funding_is_not_released_through_this_service(staff_client, service, line):
    other = services.fund_service(service=ServiceFactory(), line_id=line.pk, amount=Decimal("100"))
    url = reverse("admin:providers_service_release_funding", args=[service.pk, other.pk])
    assert staff_client.post(url, {"reason": "x"}).status_code == 404
    assert ServiceFunding.objects.filter(pk=other.pk).exists()


def race_twice(attempt) -> list[str]:
    """Two staff doing the same thing at once, each on its own connection: "done" or "refused" for each."""
    outcomes = race([attempt, attempt])
    assert all(isinstance(o, services.FundingRuleError) for o in refused(outcomes)), outcomes
    return sorted("refused" if isinstance(o, Exception) else "done" for o in outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_staff_funding_the_same_service_from_the_same_line_at_once_commit_it_once():
    assert connection.vendor == "postgresql"
    service = ServiceFactory(start_year=FinancialYearFactory(start_year=2024))
    line = BudgetLineFactory(amount=Decimal("10000"))
    outcomes = race_twice(
        lambda: services.fund_service(service=service, line_id=line.pk, amount=Decimal("4000"))
    )
    assert outcomes == ["done", "refused"]
    assert line_committed(line.pk) == Decimal("4000") and ServiceFunding.objects.count() == 1
    assert Commitment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_releasing_the_same_funding_at_once_release_it_once():
    service = ServiceFactory(start_year=FinancialYearFactory(start_year=2024))
    line = BudgetLineFactory(amount=Decimal("10000"))
    funding = services.fund_service(service=service, line_id=line.pk, amount=Decimal("4000"))
    outcomes = race_twice(lambda: services.release_funding(funding_id=funding.pk, reason="Ended"))
    assert outcomes == ["done", "refused"]
    assert line_committed(line.pk) == Decimal("0") and not ServiceFunding.objects.exists()
    assert AuditEvent.objects.filter(action="service_funding.released").count() == 1
    assert AuditEvent.objects.filter(action="commitment.released").count() == 1


def run_periods_action(client, template, year):
    return client.post(
        reverse("admin:providers_monitoringtemplate_changelist"),
        {
            "action": "create_periods",
            "_selected_action": [template.pk],
            "year": year.pk,
            "apply": "Create periods and open returns",
        },
        follow=True,
    )


def test_the_periods_action_asks_for_the_year_first(staff_client, service):
    year = FinancialYearFactory(start_year=2024)
    page = staff_client.post(
        reverse("admin:providers_monitoringtemplate_changelist"),
        {"action": "create_periods", "_selected_action": [service.template.pk], "index": 0},
    )
    assert page.status_code == 200
    assert "Financial year" in page.content.decode() and str(year) in page.content.decode()
    assert not ReportingPeriod.objects.exists()


def test_the_periods_action_creates_the_years_periods_and_returns_once(staff_client, service):
    year = FinancialYearFactory(start_year=2024)
    ServiceFactory(
        template=service.template, start_year=FinancialYearFactory(start_year=2025)
    )  # not running then
    response = run_periods_action(staff_client, service.template, year)
    assert "2024/25: 4 new reporting periods and 4 new returns." in response.content.decode()
    assert list(
        ReportingPeriod.objects.filter(year=year).values_list("label", flat=True).order_by("starts_on")
    ) == ["Q1 2024/25", "Q2 2024/25", "Q3 2024/25", "Q4 2024/25"]
    assert set(MonitoringReturn.objects.values_list("service_id", flat=True)) == {service.pk}

    again = run_periods_action(staff_client, service.template, year)
    assert "2024/25: 0 new reporting periods and 0 new returns." in again.content.decode()
    assert (ReportingPeriod.objects.count(), MonitoringReturn.objects.count()) == (4, 4)

    # A service added later gets its returns when the action is run again; nothing else changes.
    added = ServiceFactory(template=service.template, start_year=year)
    third = run_periods_action(staff_client, service.template, year)
    assert "2024/25: 0 new reporting periods and 4 new returns." in third.content.decode()
    assert MonitoringReturn.objects.filter(service=added).count() == 4


def test_the_periods_action_without_a_year_asks_again(staff_client, service):
    response = staff_client.post(
        reverse("admin:providers_monitoringtemplate_changelist"),
        {
            "action": "create_periods",
            "_selected_action": [service.template.pk],
            "year": "",
            "apply": "Create periods and open returns",
        },
    )
    assert response.status_code == 200
    assert "Choose a financial year" in response.content.decode()
    assert not ReportingPeriod.objects.exists()


def test_staff_without_permission_to_change_services_cannot_fund_or_release(client, service, line):
    from tests.factories import UserFactory

    funding = services.fund_service(service=service, line_id=line.pk, amount=Decimal("100"))
    client.force_login(UserFactory(is_staff=True))
    assert client.post(fund_url(service), {"line": line.pk, "amount": "100"}).status_code == 403
    release_url = reverse("admin:providers_service_release_funding", args=[service.pk, funding.pk])
    assert client.post(release_url, {"reason": "x"}).status_code == 403
    assert line_committed(line.pk) == Decimal("100")
