"""The Chief Finance Officer opens a return waiting for sign-off, reads a figure's trace and signs it off, in real
Chromium; every page is checked with axe."""

import pytest
from playwright.sync_api import expect

from funder_returns import services
from funder_returns.models import FunderReturn
from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_chief_finance_officer_reads_the_trace_and_signs_off(page, live_server, world):
    world.accepted("Refuge", 1, {"new_victims": 10})
    world.accepted("Counselling", 2, {"new_victims": 5})
    funder_return = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )
    services.move(return_id=funder_return.pk, to_status=FunderReturn.Status.READY, by=world.commissioner)

    sign_in(page, live_server, world.cfo)
    page.goto("/staff/funder-returns/")
    assert_accessible(page)
    page.get_by_role("link", name="Ministry of Justice victims' services grant return").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("H1 2024/25")
    expect(page.locator("#gaps")).to_contain_text("Haven Aid, Outreach: Q1 2024/25 (no return opened)")
    assert_accessible(page)

    row = page.get_by_role("row", name="New victims", exact=False).first
    expect(row).to_contain_text("15")
    row.locator("summary").click()
    expect(row).to_contain_text("Haven Aid, Refuge, Q1 2024/25: 10")
    expect(row).to_contain_text("Rape Crisis, Counselling, Q2 2024/25: 5")

    page.get_by_role("button", name="Sign off the return").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signed off")
    expect(page.get_by_role("button", name="Sign off the return")).to_have_count(0)
    assert_accessible(page)


def test_the_prepare_form_shows_its_errors_accessibly(page, live_server, world):
    sign_in(page, live_server, world.commissioner)
    page.goto("/staff/funder-returns/prepare/")
    assert_accessible(page)
    page.get_by_label("Which return").select_option(label=world.template.name)
    page.get_by_label("Financial year").select_option(label="2024/25")
    page.get_by_label("Period").select_option("Q2")
    page.get_by_role("button", name="Build the return").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("so its periods are H1 or H2")
    assert_accessible(page)
