import re

import pytest
from django.core import mail

from accounts.models import User
from applications.models import Membership
from tests.applications.factories import OrganisationFactory, member_of
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "full_name": "Priya Patel",
    "email": "Priya@Example.org",
    "password": "a long and unusual passphrase",
}


def test_sign_up_sends_a_link_that_activates_the_account_once(client):
    response = client.post("/accounts/sign-up/", SIGN_UP)
    assert response.url == "/accounts/sign-up/check-your-email/"
    user = User.objects.get(email="priya@example.org")
    assert not user.is_active
    link = re.search(r"http://testserver(/accounts/verify/\S+/)", mail.outbox[0].body).group(1)
    assert "Your email address is confirmed" in client.get(link).content.decode()
    user.refresh_from_db()
    assert user.is_active
    client.logout()
    assert "expired or has already been used" in client.get(link).content.decode()


def test_an_unverified_account_cannot_sign_in(client):
    client.post("/accounts/sign-up/", SIGN_UP)
    assert not client.login(email="priya@example.org", password=SIGN_UP["password"])


def test_sign_up_refuses_a_weak_password_and_an_existing_account(client):
    UserFactory(email="taken@example.org")
    page = client.post(
        "/accounts/sign-up/", {"full_name": "A", "email": "taken@example.org", "password": "short"}
    ).content.decode()
    assert "There is already an account with this email address" in page
    assert "This password is too short" in page


def test_the_sign_in_page_links_to_sign_up_and_password_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/sign-up/"' in page and 'href="/accounts/password_reset/"' in page


def test_password_reset_emails_a_link(client):
    UserFactory(email="forgetful@example.org")
    client.post("/accounts/password_reset/", {"email": "forgetful@example.org"})
    assert "/accounts/reset/" in mail.outbox[0].body


def test_an_owner_invites_a_colleague_who_joins_as_a_member(client, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    owner = member_of(organisation)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/organisations/{organisation.pk}/", {"email": "colleague@example.org", "role": "member"}
        )
    link = re.search(r"http://\S+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    colleague = UserFactory(email="colleague@example.org")
    client.force_login(colleague)
    client.post(link)
    assert Membership.objects.get(user=colleague).role == Membership.Role.MEMBER
    assert client.get(f"/organisations/{organisation.pk}/").status_code == 200


def test_an_invitation_is_only_for_the_address_it_was_sent_to(client):
    organisation = OrganisationFactory()
    owner = member_of(organisation)
    from applications.services import invite_member

    invitation = invite_member(organisation=organisation, email="colleague@example.org", by=owner)
    client.force_login(UserFactory(email="someone-else@example.org"))
    page = client.post(f"/invitations/{invitation.token}/").content.decode()
    assert "This invitation was sent to colleague@example.org" in page
    assert organisation.memberships.count() == 1


def test_a_member_cannot_invite(client):
    organisation = OrganisationFactory()
    member = member_of(organisation, role=Membership.Role.MEMBER)
    client.force_login(member)
    client.post(f"/organisations/{organisation.pk}/", {"email": "x@example.org", "role": "owner"})
    assert not organisation.invitations.exists()


def test_a_charity_must_give_its_number(client):
    client.force_login(UserFactory())
    area = AreaFactory()
    page = client.post(
        "/organisations/new/",
        {"name": "Helpers", "type": "registered_charity", "address": "1 Road", "area": area.pk},
    ).content.decode()
    assert "Enter your charity number, like 1234567" in page
