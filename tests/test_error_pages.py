"""The 404, 403, 500 and CSRF failure pages: GOV.UK patterns with the header, the footer and a way on, DEBUG off.

This module is also the URLconf its tests use: the real site's URLs and error handlers, plus views that fail on
purpose.
"""

import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from pcc_grants.urls import handler403, handler404, handler500  # noqa: F401
from pcc_grants.urls import urlpatterns as site_urlpatterns
from tests.factories import UserFactory


@login_not_required
def _broken(request):
    raise RuntimeError("a bug")


@login_not_required
def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("test-broken/", _broken), path("test-forbidden/", _forbidden), *site_urlpatterns]

TITLES = {
    404: "Page not found – PCC Grants",
    403: "You do not have access to this page – PCC Grants",
    500: "Sorry, there is a problem with the service – PCC Grants",
    "csrf": "Your session has expired – PCC Grants",
}


@pytest.fixture
def error_urls(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def _assert_govuk_page(response, status, title):
    page = response.content.decode()
    assert response.status_code == status
    assert '<html lang="en"' in page
    assert f"<title>{title}</title>" in page
    assert len(re.findall(r"<h1[ >]", page)) == 1
    assert f'<h1 class="govuk-heading-l">{title.removesuffix(" – PCC Grants")}</h1>' in page
    assert 'name="viewport" content="width=device-width' in page
    assert "govuk-generic-header" in page and "govuk-footer" in page
    assert 'href="/"' in page  # a way on
    return page


@pytest.mark.django_db
def test_an_unknown_address_is_a_govuk_page_not_found(client, error_urls):
    page = _assert_govuk_page(client.get("/no-such-page/"), 404, TITLES[404])
    assert "If you typed the web address, check it is correct." in page


@pytest.mark.django_db
def test_page_not_found_gives_the_office_contact_address(client, error_urls):
    from funds.models import Office

    Office.objects.create(name="West Midlands OPCC", short_name="WMOPCC", contact_email="grants@opcc.example")
    page = client.get("/no-such-page/").content.decode()
    assert 'href="mailto:grants@opcc.example"' in page and "West Midlands OPCC" in page


@pytest.mark.django_db
def test_a_refused_page_is_a_govuk_no_access_page_with_a_way_home(client, error_urls):
    client.force_login(UserFactory(email="volunteer@example.org"))
    page = _assert_govuk_page(client.get("/test-forbidden/"), 403, TITLES[403])
    assert "You are signed in as volunteer@example.org" in page
    assert 'href="/signed-in/"' in page


@pytest.mark.django_db
def test_a_server_error_is_a_govuk_problem_with_the_service_page(error_urls):
    client = Client(raise_request_exception=False)
    page = _assert_govuk_page(client.get("/test-broken/"), 500, TITLES[500])
    assert "Try again later." in page
    assert "a bug" not in page and "Traceback" not in page


def test_the_server_error_page_renders_with_the_database_down(error_urls, monkeypatch):
    """No django_db mark: pytest-django refuses every database connection here, as a database that is down would.
    The office context processor is made to fail too, in case the page ever came to render with the request."""
    from django.db import connection

    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page touched something it must not need")

    monkeypatch.setattr("pcc_grants.context_processors.office", refuse)
    monkeypatch.setattr("funds.selectors.current_office", refuse)
    client = Client(raise_request_exception=False)
    response = client.get("/test-broken/")
    _assert_govuk_page(response, 500, TITLES[500])
    assert connection.connection is None  # never connected


@pytest.mark.django_db
def test_a_form_sent_with_a_stale_token_gets_the_session_expired_page_with_sign_in_again(error_urls):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    client.cookies["csrftoken"] = "x" * 32  # the token the page held no longer matches the cookie
    response = client.post("/accounts/sign-up/", {"csrfmiddlewaretoken": "y" * 32, "full_name": "A"})
    page = _assert_govuk_page(response, 403, TITLES["csrf"])
    assert "the page had been open for a long time" in page
    assert 'href="/accounts/login/?next=/accounts/sign-up/"' in page and "Sign in again" in page


@pytest.mark.django_db
def test_a_form_sent_without_cookies_is_told_to_turn_cookies_on(error_urls):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a@example.org", "password": "x"})
    page = _assert_govuk_page(response, 403, TITLES["csrf"])
    assert "Check cookies are turned on" in page
    assert 'href="/accounts/login/"' in page and "?next=/accounts/login/" not in page


@pytest.mark.django_db
def test_a_signed_in_person_with_a_stale_form_is_sent_back_not_to_sign_in(error_urls):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.get("/accounts/login/")
    response = client.post("/privacy/", {"csrfmiddlewaretoken": "y" * 32})
    page = _assert_govuk_page(response, 403, TITLES["csrf"])
    assert "Go back to the page, reload it and try again." in page and "Sign in again" not in page


# --- in Chromium: axe at zero violations, no sideways scroll on a phone --------------------------------------------

BROWSER_PAGES = {"404": "/no-such-page/", "403": "/test-forbidden/", "500": "/test-broken/", "csrf": None}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1200])
@pytest.mark.parametrize("which", list(BROWSER_PAGES))
def test_error_pages_have_no_axe_violations_and_fit_a_phone(page, live_server, settings, which, width):
    from tests.browser.fixtures import assert_accessible, sign_in

    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    page.set_viewport_size({"width": width, "height": 900})
    if which == "403":
        sign_in(page, live_server, UserFactory())
    if which == "csrf":
        page.goto("/accounts/login/")
        page.context.clear_cookies()  # as if the browser refused cookies, or they were lost
        page.fill("#id_username", "a@example.org")
        page.fill("#id_password", "whatever-it-is")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        expected = TITLES["csrf"]
    else:
        response = page.goto(BROWSER_PAGES[which])
        assert response.status == int(which)
        expected = TITLES[int(which)]
    assert page.title() == expected
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
