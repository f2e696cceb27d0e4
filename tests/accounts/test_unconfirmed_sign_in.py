"""Someone who signed up but has not opened the confirmation link is told so, and can have a new link; only the
right password learns that the account exists."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from tests.accounts.helpers import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "new.volunteer@example.org"
NOT_CONFIRMED = "You need to confirm your email address before you can sign in"
WRONG = "Enter the email address and password for your account"


@pytest.fixture
def unconfirmed(db):
    return UserFactory(email=EMAIL, is_active=False)


def _sign_in(client, email=EMAIL, password=PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_the_right_password_for_an_unconfirmed_account_is_told_to_confirm_the_email_address(
    client, unconfirmed
):
    page = _sign_in(client, "New.Volunteer@Example.org").content.decode()
    assert NOT_CONFIRMED in page
    assert WRONG not in page
    assert "Send a new link" in page
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_for_an_unconfirmed_account_says_only_wrong_email_or_password(client, unconfirmed):
    page = _sign_in(client, password="not-the-password").content.decode()
    assert WRONG in page
    assert NOT_CONFIRMED not in page and "Send a new link" not in page


def test_an_unknown_address_gets_the_same_message_as_a_wrong_password(client):
    page = _sign_in(client, "nobody@example.org").content.decode()
    assert WRONG in page and NOT_CONFIRMED not in page


def test_an_account_switched_off_by_staff_is_not_offered_a_new_link(client):
    UserFactory(email=EMAIL, is_active=False, last_login=timezone.now())
    page = _sign_in(client).content.decode()
    assert WRONG in page and "Send a new link" not in page


def test_send_a_new_link_emails_the_account_that_gave_its_password_and_the_link_confirms_it(
    client, unconfirmed
):
    _sign_in(client)
    response = client.post("/accounts/sign-up/send-link-again/")
    assert response.url == "/accounts/sign-up/check-your-email/"
    assert mail.outbox[-1].to == [EMAIL]
    link = re.search(r"http://testserver(/accounts/verify/\S+/)", mail.outbox[-1].body).group(1)
    assert "Your email address is confirmed" in client.get(link).content.decode()
    assert User.objects.get(email=EMAIL).is_active


def test_send_a_new_link_sends_nothing_without_a_right_password_first(client, unconfirmed):
    _sign_in(client, password="not-the-password")
    response = client.post("/accounts/sign-up/send-link-again/")
    assert response.url == "/accounts/login/"
    assert mail.outbox == []


def test_an_old_confirmation_link_does_not_switch_on_an_account_staff_switched_off(client, unconfirmed):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.tokens import email_verification_token

    link = (
        f"/accounts/verify/{urlsafe_base64_encode(force_bytes(unconfirmed.pk))}/"
        f"{email_verification_token.make_token(unconfirmed)}/"
    )
    User.objects.filter(pk=unconfirmed.pk).update(last_login=timezone.now())  # it was used, then switched off
    assert "expired or has already been used" in client.get(link).content.decode()
    assert not User.objects.get(pk=unconfirmed.pk).is_active
