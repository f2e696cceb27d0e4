"""A member of staff corrects a figure on the IDVA needs assessment and sees the shares change, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idva(demo_data):
    from needs import demo

    return demo.load()


def test_staff_fix_a_mistyped_figure_and_recalculate(page, live_server, staff_user, idva):
    sign_in(page, live_server, staff_user)
    page.goto(f"/staff/needs/{idva.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("IDVA redistribution 2025/26")
    assert_accessible(page)

    dudley = page.get_by_label("Dudley: Female population")
    dudley.fill("-164,000")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a number of 0 or more for Dudley's female population"
    )
    expect(page.get_by_label("Dudley: Female population")).to_have_value("-164,000")
    assert_accessible(page)

    page.get_by_role("link", name="Enter a number of 0 or more for Dudley's female population").click()
    expect(page.get_by_label("Dudley: Female population")).to_be_focused()
    page.get_by_label("Dudley: Female population").fill("264,000")
    page.get_by_role("button", name="Calculate").click()
    expect(page).to_have_url(re.compile(r"#results$"))
    total = page.locator("#results + .app-table-container table tr", has_text="Total")
    expect(total).to_contain_text("£675,814")
