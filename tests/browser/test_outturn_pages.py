"""The outturn and finance report pages in real Chromium: no axe violations, with the year typed as people write it
and with a year that cannot be read."""

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_outturn_page_has_no_axe_violations(page, live_server, staff_user, demo_grants):
    sign_in(page, live_server, staff_user)
    page.goto("/staff/reports/outturn/?year=24-25")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outturn 2024/25")
    expect(page.get_by_role("table", name="2024/25 outturn, all streams")).to_contain_text("Total 2024/25")
    assert_accessible(page)

    page.get_by_label("Financial year").fill("2024/26")
    page.get_by_role("button", name="Show year").click()
    expect(page.get_by_role("alert")).to_contain_text("the second year must follow the first")
    assert_accessible(page)


def test_the_finance_reports_page_has_no_axe_violations(page, live_server, staff_user, demo_grants):
    sign_in(page, live_server, staff_user)
    page.goto("/staff/reports/finance/?year=2024-25")
    expect(page.get_by_role("heading", level=1)).to_have_text("Finance reports 2024/25")
    expect(page.get_by_role("table", name="Commitments not yet paid by age, 2024/25 budgets")).to_be_visible()
    assert_accessible(page)
