"""Every role's main pages fit a 390 px phone: nothing makes the page scroll sideways (a wide table scrolls inside
its own keyboard-reachable box, long words wrap), and axe finds no WCAG 2.2 AA violation. On the demo data as
loaded, with the applicant's project given the longest unbroken title the field holds."""

import pytest

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Project titles hold up to 200 characters; one unbroken word of that length stretched /applications/ to 2,352 px.
LONG_TITLE = "Saferstreets" * 16 + "Walk2024"

PAGES = {
    None: ["/", "/grants/", "/grants/?area={area}", "/decisions/", "/api/", "/rounds/"],
    "applicant@demo.pcc-grants.example": ["/applications/"],
    "provider@demo.pcc-grants.example": ["/provider/"],
    "finance@demo.pcc-grants.example": ["/staff/", "/staff/applications/"],
    "commissioning@demo.pcc-grants.example": ["/staff/commissioning/"],
}


def test_every_roles_pages_fit_a_phone_and_pass_axe(browser, live_server, full_demo):
    from accounts.models import User
    from applications.models import Application
    from transparency import selectors

    applicant = User.objects.get(email="applicant@demo.pcc-grants.example")
    assert Application.objects.filter(organisation__memberships__user=applicant).update(
        project_title=LONG_TITLE
    )
    area = (
        selectors.published_grants()
        .exclude(application__area=None)
        .values_list("application__area", flat=True)[0]
    )

    too_wide = []
    for email, paths in PAGES.items():
        context = browser.new_context(base_url=live_server.url, viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if email:
            sign_in(page, live_server, User.objects.get(email=email))
        for path in paths:
            response = page.goto(path.format(area=area))
            assert response.status == 200, path
            if path == "/applications/":
                assert LONG_TITLE in page.content()
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{path} as {email or 'anyone'}: {width}px")
            assert_accessible(page)
        context.close()

    assert not too_wide, f"wider than a {PHONE['width']}px phone: {too_wide}"


def test_a_wide_table_scrolls_in_a_box_a_keyboard_user_can_reach(browser, live_server):
    from tests.transparency.public_data import many_grants

    many_grants(3)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/grants/")
    box = page.locator(".app-table-container").first

    assert box.get_attribute("role") == "region" and box.get_attribute("tabindex") == "0"
    assert box.get_attribute("aria-label").startswith("Grants awarded")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls, the page does not
    box.focus()
    assert box.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"  # visible focus
    context.close()
