"""The annual report's new staff pages in real Chromium, on the demo as loaded: the budget tables page with Table 3
first, the tables from monitoring data for both demo years, and the page that shows Section 6 being built. No axe
violations on any of them."""

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_pages_show_table_3_the_data_tables_and_section_6_building(page, live_server, full_demo):
    from accounts.models import User
    from funds.models import FinancialYear

    finance = User.objects.get(email="finance@demo.pcc-grants.example")
    year_2024, year_2022 = (FinancialYear.objects.get(start_year=y) for y in (2024, 2022))
    sign_in(page, live_server, finance)

    page.goto(f"/staff/reports/budget-tables/?year={year_2024.pk}")
    precept = page.get_by_role("table", name="Table 3. Police precept cost")
    expect(precept).to_contain_text("Band A")
    expect(precept).to_contain_text("143.70")
    assert_accessible(page)

    page.goto(f"/staff/reports/data-tables/?year={year_2022.pk}")
    expect(page.get_by_role("table", name="Victims Supported 2022/23")).to_contain_text("Domestic abuse")
    assert_accessible(page)
    page.goto(f"/staff/reports/data-tables/?year={year_2024.pk}")
    expect(page.get_by_role("table", name="Arrest Referral outputs 2024/25")).to_contain_text("4,115")
    assert_accessible(page)
    page.goto("/staff/reports/data-tables/?year=nonsense")
    expect(page.get_by_role("alert")).to_contain_text("Choose a financial year from the list")
    assert_accessible(page)

    page.goto(f"/staff/reports/budget-tables/?year={year_2024.pk}")
    page.get_by_role("button", name="Download Section 6 as a Word document").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("section 6")
    assert_accessible(page)
