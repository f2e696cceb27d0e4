"""The staff dashboard and the annual report pack page in real Chromium: no axe violations, charts that name
themselves, and data tables behind "Show the data"."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_with_awards(demo_grants):
    return demo_grants


def test_the_staff_dashboard_has_no_axe_violations_with_its_charts_and_data_open(
    page, live_server, staff_user, demo_with_awards
):
    sign_in(page, live_server, staff_user)
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Budgets 2024/25")
    charts = page.get_by_role(
        "img", name="Helping Communities Fund 2024/25: allocated, committed and paid by area"
    )
    expect(charts).to_have_count(1)
    assert_accessible(page)

    page.get_by_text("Show the data for the Helping Communities Fund chart").click()
    data = page.get_by_role(
        "table", name="Helping Communities Fund 2024/25: allocated, committed and paid by area"
    )
    expect(data).to_be_visible()
    expect(data.get_by_role("row", name="Birmingham")).to_contain_text("£101,762")
    assert_accessible(page)

    page.get_by_role("link", name="Awarded applications").click()
    expect(page).to_have_url(re.compile(r"/staff/applications/\?status=awarded(&round=\d+)?$"))


def test_the_annual_report_pack_page_has_no_axe_violations(page, live_server, staff_user, demo_with_awards):
    sign_in(page, live_server, staff_user)
    page.goto("/staff/reports/annual-report-pack/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual report pack 2024/25")
    expect(page.get_by_role("table", name="Projects funded by area")).to_contain_text("52")
    assert_accessible(page)
