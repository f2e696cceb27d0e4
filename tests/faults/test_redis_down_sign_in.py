"""Redis stopped: staff still sign in (password, then the code from their app), and the wrong-code lockout still
holds, because the counts fall back to the database (core.ratelimit). The test's cache is the private Redis, stopped
before the first page is asked for."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles, two_factor
from core import ratelimit
from tests.accounts.helpers import confirmed_device, sign_in_with_password
from tests.factories import UserFactory

from .harness import report

pytestmark = pytest.mark.django_db(transaction=True)

VERIFY = "/accounts/two-factor/"


@pytest.fixture
def officer(db):
    user = UserFactory(is_staff=True, email="grants.officer@opcc.example")
    user.groups.add(Group.objects.get(name=roles.GRANTS_OFFICER))
    return user


@pytest.fixture
def redis_down(faults):
    faults.redis.stop()
    assert faults.redis.is_down()
    ratelimit.reset_redis_breaker()  # a Redis error from an earlier test must not decide where this one counts
    yield faults
    ratelimit.reset_redis_breaker()


def test_staff_sign_in_with_redis_stopped(client, officer, redis_down):
    device, _ = confirmed_device(officer)
    statuses = []

    response = sign_in_with_password(client, officer, next_url="/staff/")
    statuses.append(response.status_code)
    assert response.status_code == 302 and response.url.startswith(VERIFY)

    wrong = "000000" if two_factor.totp(device.secret) != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong, "next": "/staff/"})
    statuses.append(response.status_code)
    assert response.status_code == 200
    assert "The security code is not right" in response.content.decode()

    response = client.post(VERIFY, {"code": two_factor.totp(device.secret), "next": "/staff/"})
    statuses.append(response.status_code)
    assert response.status_code == 302 and response.url == "/staff/"
    response = client.get("/staff/")
    statuses.append(response.status_code)
    assert response.status_code == 200

    errors = sum(status >= 500 for status in statuses)
    report("redis down during staff sign-in", lost=0, duplicated=0, errors=errors, extra=f"pages {statuses}")
    assert errors == 0


def test_the_wrong_code_lockout_holds_with_redis_stopped(client, officer, redis_down):
    device, _ = confirmed_device(officer)
    sign_in_with_password(client, officer)
    wrong = "000000" if two_factor.totp(device.secret) != "000000" else "111111"
    statuses = [client.post(VERIFY, {"code": wrong}).status_code for _ in range(two_factor.MAX_FAILURES)]
    assert two_factor.locked_for(officer) > 0, "five wrong codes with Redis down must still lock code entry"

    # Locked: even the right code is refused until the lock ends, whichever store counted.
    response = client.post(VERIFY, {"code": two_factor.totp(device.secret)})
    statuses.append(response.status_code)
    assert "_auth_user_id" in client.session and not client.session.get(two_factor.VERIFIED_SESSION_KEY)
    errors = sum(status >= 500 for status in statuses)
    report(
        "redis down during wrong two-factor codes",
        lost=0,
        duplicated=0,
        errors=errors,
        extra=f"locked after {two_factor.MAX_FAILURES} wrong codes: yes",
    )
    assert errors == 0
