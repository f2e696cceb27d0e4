"""A grantee fills in and submits an end-of-grant report on a phone, and staff accept it and see it in the year's
figures: in Chromium, with axe checking every page on the way, error states included."""

import pytest

from tests.applications.grant_report_helpers import committed_award, report_form
from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_grantee_reports_on_a_phone_and_staff_accept_it_into_the_years_figures(browser, live_server):
    from applications.models import GrantReport
    from tests.applications.factories import RoundFactory, grants_officer

    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()

    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, award.application.created_by)
    page.goto(f"/applications/{award.application_id}/")
    assert_accessible(page)
    page.get_by_role("link", name="Start the report due 30 April 2025").click()
    assert page.get_by_role("heading", name="What your project delivered").is_visible()
    assert_accessible(page)
    # The story is asked only after Yes to sharing it.
    story = page.locator(f"#question-{form.story.pk}")
    assert story.is_hidden()

    page.fill(f"#id_q_{form.young.pk}", "eighty")
    page.get_by_role("button", name="Submit report").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter a whole number" in summary.inner_text()
    assert "Answer the question: What difference did it make?" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    page.fill(f"#id_q_{form.young.pk}", "80")
    page.fill(f"#id_q_{form.difference.pk}", "The boxing club met three evenings a week.")
    page.get_by_label("Yes").check()
    assert story.is_visible()
    page.fill(f"#id_q_{form.story.pk}", "Jay came to every session for a year.")
    page.get_by_role("button", name="Save and come back later").click()
    assert "Your answers have been saved" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Submit report").click()
    assert "Report submitted" in page.content()
    assert_accessible(page)
    report.refresh_from_db()
    assert report.status == GrantReport.Status.SUBMITTED
    context.close()

    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    page = staff.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, grants_officer())
    page.goto("/staff/grant-reports/")
    assert_accessible(page)
    page.get_by_role("link", name=award.application.reference).click()
    assert_accessible(page)
    page.get_by_role("button", name="Ask for changes").click()
    assert "Say what the organisation needs to change" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Accept report").click()
    page.get_by_role("button", name="Mark as case study").click()
    assert "Marked as a case study" in page.content()
    assert_accessible(page)
    page.goto(f"/staff/reports/annual-report-pack/?year={round_.budget.year_id}")
    delivered = page.locator("#what-grants-delivered")
    assert delivered.is_visible()
    assert "Young people reached" in page.content()
    assert_accessible(page)
    staff.close()
