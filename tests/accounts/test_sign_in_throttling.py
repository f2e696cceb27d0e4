"""django-axes: five wrong passwords for one email address from one address lock that pair out for 30 minutes."""

import pytest
from django.test import Client

from tests.accounts.helpers import sign_in_with_password
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(db):
    return UserFactory(email="volunteer@example.org")


def _wrong(client, user, times, **extra):
    return [
        sign_in_with_password(client, user, password="not-the-password", **extra).status_code
        for _ in range(times)
    ]


def test_five_wrong_passwords_lock_the_account_from_that_address_with_a_too_many_attempts_page(
    client, applicant
):
    assert _wrong(client, applicant, 4) == [200, 200, 200, 200]
    locked = sign_in_with_password(client, applicant, password="not-the-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many attempts" in page and "try again in 30 minutes" in page
    assert locked["Retry-After"] == str(30 * 60)
    # The right password does not get in while locked.
    right = sign_in_with_password(client, applicant)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_for_that_email_and_address_only(client, applicant):
    _wrong(client, applicant, 5)
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in_with_password(elsewhere, applicant).status_code == 302
    colleague = UserFactory(email="colleague@example.org")
    assert sign_in_with_password(client, colleague).status_code == 302


def test_the_email_address_counts_whatever_its_capitals(client, applicant):
    for email in [
        "Volunteer@Example.org",
        "VOLUNTEER@EXAMPLE.ORG",
        "volunteer@example.org",
        "Volunteer@example.org",
    ]:
        client.post("/accounts/login/", {"username": email, "password": "wrong"})
    assert sign_in_with_password(client, applicant, password="wrong").status_code == 429


def test_a_right_password_resets_the_count(client, applicant):
    _wrong(client, applicant, 4)
    assert sign_in_with_password(client, applicant).status_code == 302
    client.post("/accounts/logout/")
    assert _wrong(client, applicant, 4) == [200, 200, 200, 200]
    assert sign_in_with_password(client, applicant).status_code == 302


def test_the_lockout_ends_after_thirty_minutes(client, applicant):
    from datetime import timedelta

    from axes.models import AccessAttempt

    _wrong(client, applicant, 5)
    assert sign_in_with_password(client, applicant).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )
    assert sign_in_with_password(client, applicant).status_code == 302


def test_attempts_are_recorded_by_email_and_address(client, applicant):
    from axes.models import AccessAttempt

    _wrong(client, applicant, 2, REMOTE_ADDR="198.51.100.7")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "volunteer@example.org"
    assert attempt.ip_address == "198.51.100.7"
    assert attempt.failures_since_start == 2
