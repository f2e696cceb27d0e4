"""The public transparency pages in Chromium: filters work, errors show, and axe finds nothing at desktop or phone
width."""

import datetime

import pytest
from playwright.sync_api import expect

from funds.models import Decision
from tests.applications.factories import RoundFactory
from tests.browser.fixtures import assert_accessible
from tests.factories import AreaFactory, BudgetFactory, FundingStreamFactory
from tests.transparency.public_data import decision, published_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1200, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def published():
    coventry = AreaFactory(name="Coventry")
    budget = BudgetFactory(stream=FundingStreamFactory(name="Helping Communities Fund", slug="hcf"))
    round_ = RoundFactory(
        name="Helping Communities Fund 2024/25", areas=[coventry, AreaFactory(name="Dudley")], budget=budget
    )
    for n in range(30):
        published_grant(
            round_,
            amount=f"{500 + n * 10}.00",
            title=f"Community project {n}",
            area=coventry if n % 2 else round_.areas.last(),
        )
    decision(
        "017-2020",
        title="External Commissioning and Active Citizens Budget 2020/21",
        summary="Approves the 2020/21 budget.",
        decided_on=datetime.date(2020, 3, 24),
        budgets=[budget],
    )
    decision(
        "012-2020",
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        title="Not for publication",
        description="the forfeiture of a police pension",
        decided_on=datetime.date(2020, 2, 13),
    )
    decision(
        "024/2019",
        confidentiality=Decision.Confidentiality.COMMERCIALLY_CONFIDENTIAL,
        title="Not for publication either",
        description="the lease of a police building",
        decided_on=datetime.date(2019, 7, 2),
    )
    return {"coventry": coventry}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_grants_filtered_by_area_and_in_an_error_state_are_accessible(page, published, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/grants/")
    assert_accessible(page)

    page.select_option("#id_area", label="Coventry")
    page.get_by_role("button", name="Show grants").click()
    assert "area=" in page.url
    assert "15 grants totalling" in page.locator("h2").first.inner_text()
    assert page.locator(".govuk-pagination").count() == 0
    assert_accessible(page)

    page.goto("/grants/?page=2")
    assert page.locator(".govuk-pagination__item--current").inner_text().strip() == "2"

    page.goto("/grants/?year=2024%2F26")
    assert page.title().startswith("Error:")
    assert "the second year must follow the first" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_decision_register_and_a_decision_are_accessible(page, published, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/decisions/")
    assert "is a confidential decision relating to the forfeiture of a police pension" in page.content()
    assert_accessible(page)

    page.select_option("#id_year", label="2019/20")
    page.get_by_role("button", name="Show decisions").click()
    assert "Decisions taken in 2019/20" in page.locator("h1").inner_text()
    page.get_by_role(
        "link", name="PCC Decision 017-2020: External Commissioning and Active Citizens Budget 2020/21"
    ).click()
    expect(page.locator("h1")).to_have_text("External Commissioning and Active Citizens Budget 2020/21")
    assert_accessible(page)

    page.goto("/decisions/024/2019/")
    expect(page.locator("h1")).to_have_text("PCC Decision 024/2019")
    assert "Not for publication" not in page.content()
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_api_documentation_page_is_accessible(page, published, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto("/api/")
    expect(page.locator("h1")).to_have_text("Open data API")
    page.locator(".govuk-details__summary").first.click()
    assert_accessible(page)


def test_the_home_page_links_to_the_public_pages(page, published):
    page.goto("/")
    page.get_by_role("link", name="grants awarded").first.click()
    expect(page.locator("h1")).to_have_text("Grants awarded")
    page.get_by_role("link", name="PCC decision register").first.click()
    assert page.locator("h1").inner_text().startswith("PCC decision register")
