"""Someone invited who has no account: the invitation link carries them through sign-up and email confirmation and
back to the invitation, which they accept to join the organisation."""

import html
import re

import pytest
from django.core import mail

from applications.models import Invitation, Membership
from applications.services import invite_member
from tests.applications.factories import OrganisationFactory, member_of
from tests.browser.fixtures import assert_accessible

PASSWORD = "a long and unusual passphrase"


def _invite(django_capture_on_commit_callbacks, email="new.person@example.org"):
    organisation = OrganisationFactory(name="Friends of Hill Park")
    owner = member_of(organisation)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_member(organisation=organisation, email=email, by=owner)
    link = re.search(r"https?://\S+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    return organisation, invitation, link


def _href(page: str, text: str) -> str:
    return html.unescape(re.search(rf'href="([^"]+)"[^>]*>{text}</a>', page).group(1))


@pytest.mark.django_db
def test_an_invited_person_signs_up_confirms_their_email_and_lands_on_the_invitation(
    client, django_capture_on_commit_callbacks
):
    organisation, invitation, link = _invite(django_capture_on_commit_callbacks)

    page = client.get(link).content.decode()
    assert "Join Friends of Hill Park" in page and "new.person@example.org" in page
    sign_up = _href(page, "Create an account")
    page = client.get(sign_up).content.decode()
    assert 'value="new.person@example.org"' in page  # the invited address, filled in
    assert f'name="next" value="{link}"' in page

    response = client.post(
        sign_up,
        {"full_name": "Nia Person", "email": "new.person@example.org", "password": PASSWORD, "next": link},
    )
    assert response.url == "/accounts/sign-up/check-your-email/"
    verify = re.search(r"http://testserver(/accounts/verify/\S+)", mail.outbox[-1].body).group(1)
    assert verify.endswith("?next=" + link.replace("/", "%2F"))

    client.logout()  # the link is opened from the email, often in another browser: nothing rides on the session
    response = client.get(verify, follow=True)
    assert response.redirect_chain == [(link, 302)]
    page = response.content.decode()
    assert "Your email address is confirmed and you are signed in" in page
    assert "Join organisation" in page

    response = client.post(link)
    assert response.url == "/applications/"
    membership = Membership.objects.get(organisation=organisation, user__email="new.person@example.org")
    assert membership.role == Membership.Role.MEMBER
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None
    assert client.get(f"/organisations/{organisation.pk}/").status_code == 200


@pytest.mark.django_db
def test_an_invited_person_with_an_account_signs_in_and_comes_back_to_the_invitation(
    client, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    UserFactory(email="new.person@example.org")
    organisation, _, link = _invite(django_capture_on_commit_callbacks)
    sign_in = _href(client.get(link).content.decode(), "sign in to accept the invitation")
    response = client.post(
        sign_in, {"username": "new.person@example.org", "password": "correct-horse-battery", "next": link}
    )
    assert response.url == link
    client.post(link)
    assert organisation.memberships.filter(user__email="new.person@example.org").exists()


@pytest.mark.django_db
def test_signed_out_nobody_can_accept_and_the_sign_in_page_keeps_the_invitation_for_sign_up(
    client, django_capture_on_commit_callbacks
):
    organisation, _, link = _invite(django_capture_on_commit_callbacks)
    response = client.post(link)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")
    assert organisation.memberships.count() == 1
    page = client.get(response.url).content.decode()
    assert f'href="/accounts/sign-up/?next={link}"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/invitations/x/"])
def test_sign_up_never_sends_anyone_to_another_site(client, target):
    client.post(
        "/accounts/sign-up/",
        {"full_name": "Nia Person", "email": "nia@example.org", "password": PASSWORD, "next": target},
    )
    verify = re.search(r"http://testserver(/accounts/verify/\S+/)", mail.outbox[-1].body).group(1)
    assert "evil" not in mail.outbox[-1].body
    response = client.get(verify + "?next=" + target)
    assert response.status_code == 200 and "Your email address is confirmed" in response.content.decode()


@pytest.mark.django_db
def test_an_accepted_or_unknown_invitation_is_not_found(client, django_capture_on_commit_callbacks):
    _, invitation, link = _invite(django_capture_on_commit_callbacks)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at="2025-01-01T00:00Z")
    assert client.get(link).status_code == 404
    assert client.get("/invitations/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_invitation_carries_through_sign_up(page):
    organisation = OrganisationFactory(name="Friends of Hill Park")
    invitation = invite_member(
        organisation=organisation, email="new.person@example.org", by=member_of(organisation)
    )
    link = re.search(r"https?://\S+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    assert link == f"/invitations/{invitation.token}/"

    page.goto(link)
    assert page.locator("h1").inner_text() == "Join Friends of Hill Park"
    assert_accessible(page)
    page.get_by_role("button", name="Create an account").click()
    assert page.input_value("#id_email") == "new.person@example.org"
    page.fill("#id_full_name", "Nia Person")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert page.locator("h1").inner_text() == "Check your email"

    verify = re.search(r"https?://\S+/accounts/verify/\S+", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()
    page.goto(verify)
    assert page.url.endswith(link)
    assert "Your email address is confirmed" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Join organisation").click()
    assert (
        "You are now a member of Friends of Hill Park"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert organisation.memberships.filter(user__email="new.person@example.org").exists()
