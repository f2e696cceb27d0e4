"""A provider fills a return, a second person signs it off and submits it, and staff ask for changes: in Chromium,
with axe checking every provider page on the way."""

import pytest

from providers.models import MonitoringReturn
from tests.browser.fixtures import assert_accessible, sign_in
from tests.providers.conftest import complete_figures, make_side

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def side(db):
    from providers import ready_templates
    from tests.factories import FinancialYearFactory
    from tests.providers.factories import PeriodFactory

    template = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    return make_side(
        "Black Country Women's Aid",
        PeriodFactory(template=template, year=FinancialYearFactory(start_year=2024)),
    )


def switch_to(page, live_server, user):
    page.context.clear_cookies()
    sign_in(page, live_server, user)


def test_a_provider_fills_signs_off_and_submits_and_staff_request_changes(page, live_server, side):
    from tests.factories import UserFactory

    switch_to(page, live_server, side.preparer)
    page.goto("/provider/")
    assert_accessible(page)
    page.get_by_role("link", name="Q1 2024/25 return for Black Country Women's Aid victims service").click()
    assert_accessible(page)
    page.get_by_role("link", name="Start this return").click()
    assert_accessible(page)

    figures = complete_figures(new_victims=45)
    for name, value in {**figures, "m_new_victims": "4.5"}.items():
        page.fill(f"#id_{name}", value)
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter a whole number of 0 or more for New victims supported" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.fill("#id_m_new_victims", "45")
    page.fill("#id_b_new_victims__sex__female", str(int(figures["b_new_victims__sex__female"]) - 4))
    page.get_by_role("button", name="Save and continue").click()
    assert (
        "The sex breakdown adds up to 41 but New victims supported is 45. Check the figures"
        in summary.inner_text()
    )
    page.get_by_role("link", name="The sex breakdown adds up to 41").click()
    assert page.evaluate("document.activeElement.id") == "id_b_new_victims__sex__female"
    page.fill("#id_b_new_victims__sex__female", figures["b_new_victims__sex__female"])
    page.get_by_role("button", name="Save and continue").click()

    assert page.locator("h2", has_text="Check your answers").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send for sign-off").click()
    assert "sent for sign-off" in page.locator(".govuk-notification-banner").inner_text()
    assert page.get_by_role("button", name="Sign off and submit").count() == 0

    switch_to(page, live_server, side.signatory)
    page.goto(f"/provider/returns/{side.ret.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign off and submit").click()
    assert "Return submitted." in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator(".govuk-tag", has_text="Late").is_visible()  # Q1 2024/25 was due on 22 July 2024
    assert_accessible(page)

    reviewer = UserFactory(email="reviewer@opcc.example", is_staff=True, is_superuser=True)
    switch_to(page, live_server, reviewer)
    page.goto(f"/staff/commissioning/returns/{side.ret.pk}/")
    page.get_by_label("What does the provider need to change?").fill(
        "Cases closed looks low for the caseload."
    )
    page.get_by_role("button", name="Request changes").click()
    assert "Changes requested" in page.locator(".govuk-notification-banner").inner_text()

    switch_to(page, live_server, side.preparer)
    page.goto(f"/provider/returns/{side.ret.pk}/")
    assert "Cases closed looks low for the caseload." in page.locator(".govuk-inset-text").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Change figures").click()
    page.fill("#id_m_cases_closed", "52")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Send for sign-off").click()
    side.ret.refresh_from_db()
    assert side.ret.status == MonitoringReturn.Status.AWAITING_SIGN_OFF


def test_the_service_page_dashboard_and_chart_have_no_axe_violations(page, live_server, side):
    from providers import services
    from tests.factories import UserFactory
    from tests.providers.conftest import fill_and_send

    fill_and_send(side)
    services.sign_off_and_submit(return_id=side.ret.pk, by=side.signatory)
    switch_to(page, live_server, side.preparer)
    page.goto(f"/provider/services/{side.service.pk}/")
    assert_accessible(page)

    switch_to(page, live_server, UserFactory(email="reviewer@opcc.example", is_staff=True, is_superuser=True))
    page.goto("/staff/commissioning/")
    assert_accessible(page)
    page.get_by_role("link", name="New victims supported").click()
    assert page.locator("svg[role=img]").get_attribute("aria-describedby") == "chart-desc"
    assert page.get_by_role("img", name="New victims supported by period", exact=True).is_visible()
    assert_accessible(page)
