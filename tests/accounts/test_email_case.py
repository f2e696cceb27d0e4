"""One person, one account, whatever the capitals and spaces in the email address they type."""

import importlib
import re

import pytest
from django.core import mail

from accounts.models import User
from tests.accounts.helpers import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TREASURER = "dave.treasurer@boxingclub.example"


@pytest.fixture
def treasurer(db):
    return UserFactory(email=TREASURER)


def _sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password})


@pytest.mark.parametrize(
    "typed",
    [
        "Dave.Treasurer@BoxingClub.example",
        "DAVE.TREASURER@BOXINGCLUB.EXAMPLE",
        "  dave.treasurer@boxingclub.example  ",
        " Dave.Treasurer@boxingclub.EXAMPLE\t",
    ],
)
def test_sign_in_works_with_the_email_address_in_any_case_and_with_spaces_around_it(client, treasurer, typed):
    response = _sign_in(client, typed)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(treasurer.pk)


def test_a_wrong_password_in_another_case_is_still_a_wrong_password(client, treasurer):
    response = _sign_in(client, "Dave.Treasurer@BoxingClub.example", "not-the-password")
    assert response.status_code == 200
    assert "Enter the email address and password for your account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_up_with_the_address_in_another_case_is_refused_as_an_existing_account(client, treasurer):
    response = client.post(
        "/accounts/sign-up/",
        {
            "full_name": "Dave",
            "email": " Dave.Treasurer@BoxingClub.example ",
            "password": "a long and unusual passphrase",
        },
    )
    assert response.status_code == 200
    assert "There is already an account with this email address" in response.content.decode()
    assert User.objects.filter(email__iexact=TREASURER).count() == 1


def test_sign_up_refuses_an_address_whose_account_staff_switched_off_rather_than_crashing(client):
    from django.utils import timezone

    UserFactory(email=TREASURER, is_active=False, last_login=timezone.now())
    response = client.post(
        "/accounts/sign-up/",
        {"full_name": "Dave", "email": TREASURER, "password": "a long and unusual passphrase"},
    )
    assert response.status_code == 200
    assert "There is already an account with this email address" in response.content.decode()


def test_sign_up_stores_the_address_trimmed_and_lower_case(client):
    client.post(
        "/accounts/sign-up/",
        {
            "full_name": "Dave",
            "email": "  Dave.Treasurer@BoxingClub.Example ",
            "password": "a long and unusual passphrase",
        },
    )
    assert User.objects.get().email == TREASURER


def test_an_unconfirmed_sign_up_in_another_case_is_replaced_not_duplicated(client):
    UserFactory(email="Dave.Treasurer@BoxingClub.example", is_active=False)  # an older row, stored as typed
    client.post(
        "/accounts/sign-up/",
        {"full_name": "Dave", "email": TREASURER, "password": "a long and unusual passphrase"},
    )
    assert list(User.objects.values_list("email", flat=True)) == [TREASURER]


def test_password_reset_finds_the_account_whatever_the_case(client, treasurer):
    client.post("/accounts/password_reset/", {"email": " DAVE.Treasurer@BoxingClub.example "})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [TREASURER]


def test_the_admin_stores_an_address_lower_case():
    user = UserFactory.build(email="  New.Person@Example.ORG ")
    user.clean()
    assert user.email == "new.person@example.org"


def test_an_older_mixed_case_row_still_signs_in_by_any_case(client):
    legacy = UserFactory(email="Old.Member@Example.org")
    assert _sign_in(client, "old.member@example.org").status_code == 302
    assert client.session["_auth_user_id"] == str(legacy.pk)


def test_two_rows_differing_only_by_case_sign_in_only_with_the_exact_lower_case_one(client):
    UserFactory(email="Twin@Example.org")
    lower = UserFactory(email="twin@example.org")
    assert _sign_in(client, "TWIN@example.org").status_code == 302
    assert client.session["_auth_user_id"] == str(lower.pk)


def test_the_migration_lower_cases_addresses_unless_that_would_clash():
    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0003_lower_case_emails")
    UserFactory(email="Mixed.Case@Example.org")
    UserFactory(email="Clash@Example.org")
    UserFactory(email="clash@example.org")
    migration.lower_case_emails(apps, None)
    emails = set(User.objects.values_list("email", flat=True))
    assert emails == {"mixed.case@example.org", "Clash@Example.org", "clash@example.org"}


def test_the_verification_email_goes_to_the_normalised_address(client):
    client.post(
        "/accounts/sign-up/",
        {
            "full_name": "Dave",
            "email": "Dave.Treasurer@BoxingClub.example",
            "password": "a long and unusual passphrase",
        },
    )
    assert mail.outbox[0].to == [TREASURER]
    assert re.search(r"/accounts/verify/\S+/", mail.outbox[0].body)


def test_an_email_address_too_long_for_any_account_is_refused_with_a_message_and_nothing_is_recorded(client):
    from axes.models import AccessAttempt, AccessFailureLog

    response = _sign_in(client, "x" * 10_000 + "@example.org", "\u202eevil\u202c")
    assert response.status_code == 200
    assert "Email address must be 254 characters or fewer" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()


def test_a_sign_up_that_loses_a_race_for_its_address_is_told_the_address_is_taken(
    client, treasurer, monkeypatch
):
    from accounts.forms import SignUpForm

    # The form's check ran before the other sign-up committed: only the unique index can see the clash now.
    monkeypatch.setattr(SignUpForm, "clean_email", lambda form: form.cleaned_data["email"].lower())
    response = client.post(
        "/accounts/sign-up/",
        {"full_name": "Dave", "email": TREASURER, "password": "a-long-enough-password-2425"},
    )
    assert response.status_code == 200
    assert "There is already an account with this email address" in response.content.decode()
    assert User.objects.filter(email=TREASURER).count() == 1
