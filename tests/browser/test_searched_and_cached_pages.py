"""Issue 14's changes as people meet them in Chromium: an organisation found by typing its name in admin (a list of
10,000 was replaced by a search), and the public grants page, cached for everyone, still the person's own page once
they are signed in."""

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grants_officer_finds_the_organisation_to_invite_someone_to_by_typing_its_name(page, live_server):
    from applications.models import Invitation
    from tests.applications.factories import OrganisationFactory, grants_officer

    OrganisationFactory(name="Aston Boxing Club")
    OrganisationFactory(name="Acocks Green Allotments")
    officer = grants_officer()
    sign_in(page, live_server, officer)

    page.goto("/admin/applications/invitation/add/")
    assert_accessible(page)
    page.locator(".field-organisation .select2-selection").click()
    page.locator(".select2-search__field").fill("boxing")
    option = page.locator(".select2-results__option", has_text="Aston Boxing Club")
    option.wait_for()
    expect(page.locator(".select2-results__option", has_text="Acocks Green")).to_have_count(0)
    option.click()
    page.fill("#id_email", "Treasurer@Example.org")
    page.locator("input[name=invited_by]").fill(str(officer.pk))
    page.click("input[name=_save]")

    page.wait_for_url("**/admin/applications/invitation/")
    invitation = Invitation.objects.get()
    assert invitation.organisation.name == "Aston Boxing Club"


def test_a_signed_in_applicant_sees_their_own_grants_page_not_the_one_cached_for_everyone(page, live_server):
    from tests.applications.factories import OrganisationFactory, member_of

    page.goto("/grants/")  # the anonymous page, now in the cache
    assert page.get_by_role("link", name="Sign in").count() >= 1

    person = member_of(OrganisationFactory())
    sign_in(page, live_server, person)
    response = page.goto("/grants/")

    assert "private" in response.headers["cache-control"]
    assert (
        page.get_by_role("button", name="Sign out").count()
        + page.get_by_role("link", name="Sign out").count()
    )
    assert page.get_by_role("link", name="Sign in").count() == 0
    assert_accessible(page)
