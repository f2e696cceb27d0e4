"""With Redis unreachable, staff still sign in with a password and a code, applicants still sign up and submit, and
every limit keeps counting in the database: five wrong codes still lock (issue 13)."""

import socket
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings

from accounts import two_factor
from core import ratelimit
from tests.accounts.helpers import confirmed_device, sign_in_with_password
from tests.applications.factories import complete_application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/two-factor/"
SIGN_UP = {"full_name": "Priya Patel", "password": "a long and unusual passphrase"}


def _cache_at(location: str):
    # override_settings rather than the `settings` fixture: it is undone before conftest empties the real cache.
    return override_settings(CACHES={"default": {**django_settings.CACHES["default"], "LOCATION": location}})


@pytest.fixture
def redis_down():
    with _cache_at("redis://127.0.0.1:1/0"):  # nothing listens on port 1: every connection is refused
        ratelimit.reset_redis_breaker()
        yield
    ratelimit.reset_redis_breaker()


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, email="finance.officer@opcc.example")


def _wrong(device) -> str:
    return "000000" if two_factor.totp(device.secret) != "000000" else "111111"


def test_a_member_of_staff_signs_in_with_password_and_code_while_redis_is_down(client, staff, redis_down):
    device, _ = confirmed_device(staff)
    signed_in = sign_in_with_password(client, staff, next_url="/staff/")
    assert signed_in.status_code == 302 and signed_in.url.startswith(VERIFY)
    assert client.get(signed_in.url).status_code == 200
    code = client.post(signed_in.url, {"code": two_factor.totp(device.secret)})
    assert code.status_code == 302 and code.url == "/staff/"
    assert client.session[two_factor.VERIFIED_SESSION_KEY] is True


def test_a_wrong_code_while_redis_is_down_gets_the_normal_error_message(client, staff, redis_down):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    page = client.post(VERIFY, {"code": _wrong(device)})
    assert page.status_code == 200
    assert "The security code is not right" in page.content.decode()


def test_five_wrong_codes_still_lock_code_entry_while_redis_is_down(client, staff, redis_down):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    for _ in range(4):
        assert client.post(VERIFY, {"code": _wrong(device)}).status_code == 200
    locked = client.post(VERIFY, {"code": _wrong(device)})
    assert locked.status_code == 429
    assert 900 - 5 <= int(locked["Retry-After"]) <= 900
    assert client.post(VERIFY, {"code": two_factor.totp(device.secret)}).status_code == 429
    assert two_factor.VERIFIED_SESSION_KEY not in client.session


def test_a_lock_set_while_redis_was_up_still_holds_when_redis_goes_down(client, staff):
    device, _ = confirmed_device(staff)
    sign_in_with_password(client, staff)
    for _ in range(5):
        client.post(VERIFY, {"code": _wrong(device)})
    with _cache_at("redis://127.0.0.1:1/0"):
        ratelimit.reset_redis_breaker()
        assert client.post(VERIFY, {"code": two_factor.totp(device.secret)}).status_code == 429
    ratelimit.reset_redis_breaker()


def test_sign_up_while_redis_is_down_gives_the_normal_pages_and_still_counts(client, settings, redis_down):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_up": (2, 3600)}
    assert client.get("/accounts/sign-up/").status_code == 200
    assert client.post("/accounts/sign-up/", {}).status_code == 200  # the form with its errors
    made = client.post("/accounts/sign-up/", {**SIGN_UP, "email": "priya@example.org"})
    assert made.status_code == 302
    refused = Client().post("/accounts/sign-up/", {**SIGN_UP, "email": "sam@example.org"})
    assert refused.status_code == 429 and "Too many attempts" in refused.content.decode()


def test_submitting_an_application_while_redis_is_down_submits_it_and_still_counts(
    client, settings, redis_down
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit_application": (1, 3600)}
    first = complete_application()
    second = complete_application(round_=first.round, organisation=first.organisation, user=first.created_by)
    client.force_login(first.created_by)
    submitted = client.post(f"/applications/{first.pk}/check/")
    assert submitted.status_code == 302 and submitted.url == f"/applications/{first.pk}/submitted/"
    assert client.post(f"/applications/{second.pk}/check/").status_code == 429


def test_a_redis_that_accepts_and_never_replies_delays_sign_in_by_well_under_a_second(client, staff):
    device, _ = confirmed_device(staff)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections queue in the backlog and are never answered
    try:
        with _cache_at(f"redis://127.0.0.1:{listener.getsockname()[1]}/0"):
            ratelimit.reset_redis_breaker()
            sign_in_with_password(client, staff)
            started = time.monotonic()
            for _ in range(3):
                assert client.post(VERIFY, {"code": _wrong(device)}).status_code == 200
            assert time.monotonic() - started < 1.5  # one 0.5 s socket timeout, then the database alone
    finally:
        listener.close()
        ratelimit.reset_redis_breaker()
