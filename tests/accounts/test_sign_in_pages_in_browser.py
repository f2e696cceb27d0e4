"""The not-confirmed message and the lockout page in Chromium: axe at zero violations, and they fit a phone."""

import pytest

from tests.browser.fixtures import assert_accessible
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, email, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def test_the_not_confirmed_message_and_its_button_are_accessible_on_a_phone(page):
    UserFactory(email="new.volunteer@example.org", is_active=False)
    page.set_viewport_size({"width": 390, "height": 900})
    _sign_in(page, "New.Volunteer@Example.org", "correct-horse-battery")
    assert page.title() == "Error: Sign in – PCC Grants"
    assert "You need to confirm your email address" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("text=Send a new link")
    assert page.locator("h1").inner_text() == "Check your email"


def test_the_lockout_page_is_accessible_on_a_phone(page):
    UserFactory(email="volunteer@example.org")
    page.set_viewport_size({"width": 390, "height": 900})
    for _ in range(5):
        _sign_in(page, "volunteer@example.org", "not-the-password")
    assert page.title() == "Too many attempts – PCC Grants"
    assert page.get_by_role("link", name="Reset your password").count() == 1
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
