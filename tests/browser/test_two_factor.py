"""Staff two-factor pages in Chromium, checked with axe: set up, enter a code, a wrong code, a recovery code."""

import re

import pytest

from accounts import two_factor
from tests.accounts.helpers import PASSWORD, confirmed_device
from tests.browser.fixtures import assert_accessible
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in_with_password(page, user, next_url="/staff/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_a_new_staff_member_sets_up_their_app_and_saves_recovery_codes(page, live_server):
    staff = UserFactory(is_staff=True, email="new.officer@opcc.example")
    _sign_in_with_password(page, staff)
    assert page.locator("h1").inner_text() == "Set up your authenticator app"
    assert page.locator("svg[role=img]").count() == 1
    assert_accessible(page)

    page.click("text=I cannot scan the QR code")
    key = page.locator("#setup-key").inner_text().replace(" ", "")
    page.fill("#id_code", "000000" if two_factor.totp(key) != "000000" else "111111")
    page.click("main button[type=submit]")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)

    page.fill("#id_code", two_factor.totp(key))
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Save your recovery codes"
    assert page.locator(".app-recovery-codes li").count() == 10
    assert_accessible(page)
    page.click("text=I have saved my recovery codes")
    assert page.url.endswith("/staff/")


def test_a_staff_member_enters_a_code_or_a_recovery_code(page, live_server):
    staff = UserFactory(is_staff=True, email="officer@opcc.example")
    _device, codes = confirmed_device(staff)
    _sign_in_with_password(page, staff)
    assert page.locator("h1").inner_text() == "Enter your security code"
    assert page.locator("#id_code").get_attribute("autocomplete") == "one-time-code"
    assert page.locator("#id_code").get_attribute("inputmode") == "numeric"
    assert_accessible(page)

    page.fill("#id_code", "12ab")
    page.click("main button[type=submit]")
    assert "must only include numbers" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.click("text=use a recovery code")
    assert page.locator("h1").inner_text() == "Use a recovery code"
    assert_accessible(page)
    page.fill("#id_code", codes[0])
    page.click("main button[type=submit]")
    assert re.search(r"/staff/$", page.url)
    assert "9 recovery codes left" in page.content()


def test_the_too_many_attempts_page_is_accessible(page, live_server):
    staff = UserFactory(is_staff=True, email="locked.officer@opcc.example")
    device, _ = confirmed_device(staff)
    _sign_in_with_password(page, staff)
    wrong = "000000" if two_factor.totp(device.secret) != "000000" else "111111"
    for _ in range(two_factor.MAX_FAILURES):
        page.fill("#id_code", wrong)
        page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Too many attempts"
    assert_accessible(page)
