"""Staff two-factor pages in Chromium, checked with axe: set up, enter a code, a wrong code, a recovery code."""

import re
import time

import pytest
from playwright.sync_api import expect

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


def _a_wrong_code(secret):
    """A code that no step in the accepted window gives, so it is refused whatever second the test runs in."""
    step = two_factor.STEP_SECONDS
    now = time.time()
    accepted = {two_factor.totp(secret, when=now + offset * step) for offset in range(-3, 4)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def test_a_new_staff_member_sets_up_their_app_and_saves_recovery_codes(page, live_server):
    staff = UserFactory(is_staff=True, email="new.officer@opcc.example")
    _sign_in_with_password(page, staff)
    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    assert page.locator("svg[role=img]").count() == 1
    assert_accessible(page)

    page.click("text=I cannot scan the QR code")
    key = page.locator("#setup-key").inner_text().replace(" ", "")
    page.fill("#id_code", _a_wrong_code(key))
    page.click("main button[type=submit]")
    # The click returns before the refused form comes back; wait for the page that says so.
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    page.fill("#id_code", two_factor.totp(key))
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Save your recovery codes")
    assert page.locator(".app-recovery-codes li").count() == 10
    assert_accessible(page)
    page.click("text=I have saved my recovery codes")
    assert page.url.endswith("/staff/")


def test_a_staff_member_enters_a_code_or_a_recovery_code(page, live_server):
    staff = UserFactory(is_staff=True, email="officer@opcc.example")
    _device, codes = confirmed_device(staff)
    _sign_in_with_password(page, staff)
    expect(page.locator("h1")).to_have_text("Enter your security code")
    assert page.locator("#id_code").get_attribute("autocomplete") == "one-time-code"
    assert page.locator("#id_code").get_attribute("inputmode") == "numeric"
    assert_accessible(page)

    page.fill("#id_code", "12ab")
    page.click("main button[type=submit]")
    assert "must only include numbers" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.click("text=use a recovery code")
    expect(page.locator("h1")).to_have_text("Use a recovery code")
    assert_accessible(page)
    page.fill("#id_code", codes[0])
    page.click("main button[type=submit]")
    assert re.search(r"/staff/$", page.url)
    assert "9 recovery codes left" in page.content()


def test_the_too_many_attempts_page_is_accessible(page, live_server):
    staff = UserFactory(is_staff=True, email="locked.officer@opcc.example")
    device, _ = confirmed_device(staff)
    _sign_in_with_password(page, staff)
    wrong = _a_wrong_code(device.secret)
    for _ in range(two_factor.MAX_FAILURES):
        page.fill("#id_code", wrong)
        page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Too many attempts")
    assert_accessible(page)
