import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/", "/accessibility/", "/privacy/", "/accounts/login/"])
def test_public_page_has_no_axe_violations(page, path):
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)


def test_finance_officer_signs_in_to_admin_and_sees_budgets(page, live_server, staff_user):
    from accounts.two_factor import totp
    from tests.accounts.helpers import confirmed_device

    device, _ = confirmed_device(staff_user)
    page.goto("/admin/")  # the admin's sign-in is ours, followed by the second factor
    page.fill("#id_username", staff_user.email)
    page.fill("#id_password", "correct-horse-battery")
    page.click("main button[type=submit]")
    page.fill("#id_code", totp(device.secret))
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Site administration")
    assert page.get_by_role("link", name="Budgets").count() >= 1


def test_staff_dashboard_shows_the_year_and_its_overrun(page, live_server, staff_user, demo_data):
    sign_in(page, live_server, staff_user)
    page.goto("/staff/")
    assert "2024/25" in page.locator("h1").inner_text()
    assert "£15,418 more than" in page.content()
    assert_accessible(page)
