"""The page after five wrong passwords says when to try again and offers ways on."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail

from tests.accounts.helpers import sign_in_with_password
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(db):
    return UserFactory(email="volunteer@example.org")


def _lock_out(client, user):
    for _ in range(5):
        response = sign_in_with_password(client, user, password="not-the-password")
    return response


def test_the_lockout_page_says_when_to_try_again_and_links_to_reset_the_password_help_and_home(
    client, applicant
):
    response = _lock_out(client, applicant)
    assert response.status_code == 429
    page = response.content.decode()
    assert "<title>Too many attempts – PCC Grants</title>" in page
    assert re.search(r"You can try again in 30 minutes, at \d{1,2}:\d\d[ap]m\.", page)
    assert 'href="/accounts/password_reset/"' in page and "Reset your password" in page
    assert "If you need help" in page and "Contact the office that runs the fund" in page
    assert 'href="/"' in page
    assert page.count("<h1") == 1


def test_the_lockout_page_gives_the_office_contact_address_when_there_is_one(client, applicant):
    from funds.models import Office

    Office.objects.create(
        name="Office of the Police and Crime Commissioner",
        short_name="OPCC",
        contact_email="grants@opcc.example",
    )
    page = _lock_out(client, applicant).content.decode()
    assert 'href="mailto:grants@opcc.example"' in page


def test_signing_in_while_locked_out_is_warned_to_start_the_wait_again(client, applicant):
    page = _lock_out(client, applicant).content.decode()
    assert "If you try to sign in before then, you will have to wait 30 minutes from that attempt" in page


def test_the_wait_shown_is_what_is_left_of_the_lockout_when_attempts_while_locked_do_not_count(
    client, applicant, settings
):
    settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
    _lock_out(client, applicant)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=20)
    )
    response = sign_in_with_password(client, applicant)
    assert response.status_code == 429
    assert "try again in 10 minutes" in response.content.decode()
    assert "you will have to wait" not in response.content.decode()
    assert 590 <= int(response["Retry-After"]) <= 600


def test_resetting_the_password_lifts_the_lockout(client, applicant):
    _lock_out(client, applicant)
    client.post("/accounts/password_reset/", {"email": applicant.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django moves the token into the session, then shows the form
    response = client.post(
        form_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in_with_password(client, applicant, password="a brand new passphrase").status_code == 302


def test_other_too_many_attempts_pages_do_not_offer_a_password_reset(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_up": (1, 3600)}
    data = {"full_name": "A", "email": "a@example.org", "password": "short"}
    client.post("/accounts/sign-up/", data)
    page = client.post("/accounts/sign-up/", data)
    assert page.status_code == 429
    assert "Reset your password" not in page.content.decode()
    assert "Go to the PCC Grants home page" in page.content.decode()
