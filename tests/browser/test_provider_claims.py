"""A provider claims a quarter's payment, the commissioning officer checks it against the return, a finance approver
approves and pays it with a date and a reference, and the provider sees it paid: in Chromium, with axe checking each
page on the way."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in
from tests.providers.conftest import fill_and_send, make_side

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def side(db):
    from providers import ready_templates, services
    from tests.factories import BudgetFactory, BudgetLineFactory, FinancialYearFactory
    from tests.providers.factories import PeriodFactory

    template = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    year = FinancialYearFactory(start_year=2024)
    side = make_side("Black Country Women's Aid", PeriodFactory(template=template, year=year))
    line = BudgetLineFactory(budget=BudgetFactory(year=year, pot=Decimal("100000")), amount=Decimal("40000"))
    services.fund_service(service=side.service, line_id=line.pk, amount=Decimal("40000"))
    fill_and_send(side)
    services.sign_off_and_submit(return_id=side.ret.pk, by=side.signatory)
    return side


def person(role: str, **fields):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def switch_to(page, live_server, user):
    page.context.clear_cookies()
    sign_in(page, live_server, user)


def banner(page):
    return page.locator(".govuk-notification-banner")


def test_a_claim_goes_from_the_provider_through_checking_and_approval_to_paid(page, live_server, side):
    from accounts import roles
    from providers.models import Claim

    officer = person(roles.COMMISSIONING_OFFICER, full_name="Cara Commissioner")
    approver = person(roles.FINANCE_APPROVER, full_name="Fin Approver")

    # The provider claims Q1, first leaving the amount out.
    switch_to(page, live_server, side.preparer)
    page.goto(f"/provider/services/{side.service.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Claim a payment").click()
    expect(page.locator("h1")).to_have_text("Claim a payment")
    assert_accessible(page)
    page.get_by_label("Q1 2024/25").check()
    page.get_by_label("How much did the service spend in the quarter?").fill("9,500")
    page.get_by_role("button", name="Send claim").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter how much you are claiming")
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("How much are you claiming?").fill("£10,000")
    page.get_by_role("button", name="Send claim").click()
    expect(banner(page)).to_contain_text("Your claim for Q1 2024/25 has been sent")
    expect(page.locator(".govuk-tag", has_text="Waiting to be checked")).to_be_visible()
    assert_accessible(page)

    # The commissioning officer finds it from the dashboard and checks it against the return.
    switch_to(page, live_server, officer)
    page.goto("/staff/commissioning/")
    page.get_by_role("link", name="Claims to check: 1").click()
    expect(page.locator("h1")).to_have_text("Claims from providers")
    assert_accessible(page)
    page.get_by_role("link", name=side.service.name).click()
    expect(page.get_by_role("link", name="Q1 2024/25 return")).to_be_visible()
    assert page.get_by_role("button", name="Approve for payment").count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Mark as checked against the return").click()
    expect(banner(page)).to_contain_text("Claim checked")

    # A finance approver approves it, then pays it with the date and the finance reference.
    switch_to(page, live_server, approver)
    claim = Claim.objects.get()
    page.goto(f"/staff/commissioning/claims/{claim.pk}/")
    assert page.get_by_role("button", name="Mark as checked against the return").count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Approve for payment").click()
    expect(banner(page)).to_contain_text("Claim approved for payment")
    page.get_by_label("Date paid").fill("1/8/2024")
    page.get_by_role("button", name="Record payment of £10,000").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the finance reference")
    assert_accessible(page)
    page.get_by_label("Finance reference").fill("PR-2024-08")
    page.get_by_role("button", name="Record payment of £10,000").click()
    expect(banner(page)).to_contain_text("Payment of £10,000 recorded")
    assert_accessible(page)

    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID
    assert (claim.payment.paid_on, claim.payment.reference) == (datetime.date(2024, 8, 1), "PR-2024-08")

    # The provider sees it paid, and what the office has paid beside the spend it reported.
    switch_to(page, live_server, side.preparer)
    page.goto(f"/provider/services/{side.service.pk}/")
    expect(page.locator(".govuk-tag", has_text="Paid")).to_be_visible()
    summary = page.locator(".govuk-summary-list", has_text="Paid by the office to date")
    expect(summary).to_contain_text("£10,000")
    expect(summary).to_contain_text("£9,500")
    expect(summary).to_contain_text("£500 paid beyond the spend reported")
    assert_accessible(page)
