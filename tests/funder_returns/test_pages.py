"""The staff pages: who may open and do what (every URL against every role), the prepare form's GOV.UK errors, the
return page with its trace, gaps and only the buttons the person may press."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.two_factor import VERIFIED_SESSION_KEY
from funder_returns import services
from funder_returns.models import FunderReturn
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = FunderReturn.Status


def signed_in(client, user):
    client.force_login(user)
    session = client.session
    session[VERIFIED_SESSION_KEY] = True
    session.save()
    return client


def prepared(world, by=None):
    return services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=by or world.commissioner
    )


def _role_holds(role, permissions) -> bool:
    return any(p in role.permissions for p in permissions)


URLS = [
    # (path under /staff/funder-returns/, method, permissions any one of which lets a person in)
    ("", "get", ["funder_returns.view_funderreturn"]),
    ("prepare/", "get", [services.PREPARE]),
    ("{pk}/", "get", ["funder_returns.view_funderreturn"]),
    ("{pk}/move/", "post", [services.PREPARE, services.SIGN_OFF]),
    ("{pk}/rebuild/", "post", [services.PREPARE]),
    ("{pk}/download/", "post", ["funder_returns.view_funderreturn"]),
]


@pytest.mark.parametrize("role", [*roles.ROLES, None], ids=lambda r: r.name if r else "no role")
def test_each_role_opens_exactly_the_pages_its_permissions_allow(world, client, role):
    funder_return = prepared(world)
    user = UserFactory(is_staff=True, email="someone@opcc.example")
    if role:
        user.groups.add(Group.objects.get(name=role.name))
    signed_in(client, user)
    for path, method, permissions in URLS:
        url = "/staff/funder-returns/" + path.format(pk=funder_return.pk)
        response = getattr(client, method)(url, {"to": S.READY} if "move" in path else {})
        allowed = role is not None and _role_holds(role, permissions)
        if allowed:
            assert response.status_code in (200, 302, 400), (url, response.status_code)
        else:
            assert response.status_code == 403, (url, response.status_code)


def test_someone_signed_out_is_sent_to_sign_in(world, client):
    response = client.get("/staff/funder-returns/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_preparing_a_return_builds_it_and_shows_it(world, client):
    world.accepted("Refuge", 1, {"new_victims": 10})
    signed_in(client, world.commissioner)

    response = client.post(
        "/staff/funder-returns/prepare/",
        {"template": world.template.pk, "year": world.year.pk, "period": "H1"},
    )

    funder_return = FunderReturn.objects.get()
    assert response.status_code == 302 and response.url == f"/staff/funder-returns/{funder_return.pk}/"
    page = client.get(response.url).content.decode()
    assert "Ministry of Justice victims&#x27; services grant return, H1 2024/25" in page
    assert "New victims" in page and "Refuge" in page
    assert "Send for sign-off" in page and "Sign off the return" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"template": "", "period": "H1"}, "Choose the return to prepare"),
        ({"template": "999999", "year": "x", "period": "H1"}, "Choose the financial year from the list"),
        ({"period": "H7"}, "Choose the period from the list"),
        ({"period": "Q3"}, "The return is six-monthly, so its periods are H1 or H2. Choose one of those"),
    ],
)
def test_bad_input_gets_a_gov_uk_error_not_a_crash(world, client, data, message):
    signed_in(client, world.commissioner)
    posted = {"template": world.template.pk, "year": world.year.pk, **data}

    response = client.post("/staff/funder-returns/prepare/", posted)

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page.replace("&#x27;", "'")
    assert not FunderReturn.objects.exists()


def test_a_year_with_no_return_periods_gets_a_gov_uk_error(world, client):
    from tests.factories import FinancialYearFactory

    later = FinancialYearFactory(start_year=2031)
    signed_in(client, world.commissioner)

    response = client.post(
        "/staff/funder-returns/prepare/", {"template": world.template.pk, "year": later.pk, "period": "H2"}
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert "nothing to build the return from" in response.content.decode()


def test_the_chief_finance_officer_signs_off_on_the_page(world, client):
    funder_return = prepared(world)
    services.move(return_id=funder_return.pk, to_status=S.READY, by=world.commissioner)
    signed_in(client, world.cfo)
    page = client.get(f"/staff/funder-returns/{funder_return.pk}/").content.decode()
    assert "Sign off the return" in page and "Send back to draft" in page

    response = client.post(f"/staff/funder-returns/{funder_return.pk}/move/", {"to": S.SIGNED_OFF})

    assert response.status_code == 302
    funder_return.refresh_from_db()
    assert funder_return.status == S.SIGNED_OFF
    page = client.get(f"/staff/funder-returns/{funder_return.pk}/").content.decode()
    assert "Signed off by Cfo, Chief Finance Officer" in page
    assert "Sign off the return" not in page and "Build the figures again" not in page


def test_the_preparer_sees_no_sign_off_button_and_a_forged_one_is_refused_with_a_message(world, client):
    funder_return = prepared(world, by=world.cfo)
    services.move(return_id=funder_return.pk, to_status=S.READY, by=world.cfo)
    signed_in(client, world.cfo)
    assert (
        "Sign off the return" not in client.get(f"/staff/funder-returns/{funder_return.pk}/").content.decode()
    )

    response = client.post(f"/staff/funder-returns/{funder_return.pk}/move/", {"to": S.SIGNED_OFF})

    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert "You prepared this return, so someone else must sign it off" in response.content.decode()
    funder_return.refresh_from_db()
    assert funder_return.status == S.READY


@pytest.mark.parametrize("to", ["", "paid", "signed_off"])
def test_a_move_the_return_cannot_make_is_a_gov_uk_error(world, client, to):
    funder_return = prepared(world)
    signed_in(client, world.cfo)

    response = client.post(f"/staff/funder-returns/{funder_return.pk}/move/", {"to": to})

    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()


def test_the_page_lists_the_gaps(world, client):
    world.accepted("Refuge", 1, {"new_victims": 10})
    funder_return = prepared(world)
    signed_in(client, world.auditor)

    page = client.get(f"/staff/funder-returns/{funder_return.pk}/").content.decode()

    assert "govuk-warning-text" in page
    assert "Haven Aid, Refuge: Q2 2024/25 (no return opened)" in page
    assert "Send for sign-off" not in page and "Download as a spreadsheet" in page


def test_an_unknown_return_is_not_found(world, client):
    signed_in(client, world.auditor)
    assert client.get("/staff/funder-returns/999999/").status_code == 404
